// SPDX-License-Identifier: MIT
#include "http/ExportCsv.h"

#include "http/ApiJson.h"
#include "store/StoreReader.h"

namespace dmr::console {

namespace {

const QStringList kIdentity
    = {QStringLiteral("uuid"), QStringLiteral("device_id"), QStringLiteral("hostname")};

QByteArray quoted(const QString &text)
{
    QByteArray bytes = text.toUtf8();
    if (!bytes.contains(',') && !bytes.contains('"') && !bytes.contains('\n')
        && !bytes.contains('\r'))
        return bytes;
    bytes.replace("\"", "\"\"");
    return '"' + bytes + '"';
}

} // namespace

ExportCsv::ExportCsv(Table table, const QStringList &metrics)
{
    const QStringList stored
        = table == Table::System ? StoreReader::systemColumns() : StoreReader::networkColumns();
    for (const QString &metric : metrics) {
        if (table == Table::System && stored.indexOf(metric) < 1)
            m_unknown.append(metric);
    }
    m_columns = kIdentity;
    m_columns.append(QStringLiteral("sample_time"));
    for (int i = 1; i < stored.size(); ++i) {
        if (table == Table::System && !metrics.isEmpty() && !metrics.contains(stored.at(i)))
            continue;
        m_columns.append(stored.at(i));
        m_stored.append(i);
    }
}

QByteArray ExportCsv::header() const
{
    return m_columns.join(QLatin1Char(',')).toUtf8() + '\n';
}

QByteArray ExportCsv::identity(
    const QString &uuid, const QString &deviceId, const QString &hostname)
{
    return quoted(uuid) + ',' + quoted(deviceId) + ',' + quoted(hostname) + ',';
}

void ExportCsv::appendField(QByteArray *out, const QVariant &value)
{
    switch (value.typeId()) {
    case QMetaType::QString:
        *out += quoted(value.toString());
        break;
    case QMetaType::Double:
        *out += QByteArray::number(value.toDouble(), 'g', 15);
        break;
    default:
        *out += value.toString().toUtf8();
    }
}

void ExportCsv::appendTime(QByteArray *out, qint64 ms)
{
    *out += ApiJson::timeLatin1(ms);
}

} // namespace dmr::console
