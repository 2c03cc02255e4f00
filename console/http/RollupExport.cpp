// SPDX-License-Identifier: MIT
#include "http/RollupExport.h"

#include "http/ApiJson.h"
#include "http/ExportCsv.h"
#include "store/ChunkTable.h"
#include "store/SystemFields.h"

#include <QJsonValue>

namespace dmr::console {

namespace {

const char *const kNetworkFields[]
    = {"rx_rate_min", "rx_rate_max", "tx_rate_min", "tx_rate_max", "rx_bytes", "tx_bytes"};

} // namespace

RollupExport::RollupExport(Tier tier, bool network, const QStringList &metrics)
    : m_network(network)
    , m_stored(ChunkTable::columns(ChunkTable::kindOf(tier, network)))
{
    m_columns = {QStringLiteral("sample_time")};
    if (network)
        m_columns << QStringLiteral("interface");
    m_columns << QStringLiteral("samples") << QStringLiteral("first_sample_time")
              << QStringLiteral("last_sample_time");
    if (network) {
        for (const char *name : kNetworkFields)
            m_columns << QString::fromLatin1(name);
        return;
    }
    for (const QString &metric : SystemFields::names()) {
        if (!metrics.isEmpty() && !metrics.contains(metric))
            continue;
        m_metrics << metric;
        m_columns << metric + QStringLiteral("_min") << metric + QStringLiteral("_max")
                  << metric + QStringLiteral("_avg");
    }
}

QByteArray RollupExport::csvHeader() const
{
    return "uuid,device_id,hostname," + m_columns.join(QLatin1Char(',')).toLatin1() + '\n';
}

QVariant RollupExport::stored(const QVariantList &values, const QString &name) const
{
    return values.value(int(m_stored.indexOf(name)));
}

QVariantList RollupExport::fields(const QVariantList &values) const
{
    QVariantList fields;
    if (m_network) {
        for (const char *name : {"rx_rate_min", "rx_rate_max", "tx_rate_min", "tx_rate_max"})
            fields << stored(values, QString::fromLatin1(name));
        fields << stored(values, QStringLiteral("rx_bytes_sum"))
               << stored(values, QStringLiteral("tx_bytes_sum"));
        return fields;
    }
    const qint64 samples = stored(values, QStringLiteral("samples")).toLongLong();
    for (const QString &metric : m_metrics) {
        fields << stored(values, metric + QStringLiteral("_min"))
               << stored(values, metric + QStringLiteral("_max"))
               << QVariant(samples > 0 ? stored(values, metric + QStringLiteral("_sum")).toDouble()
                              / double(samples)
                                       : 0.0);
    }
    return fields;
}

void RollupExport::appendCsv(
    QByteArray *out, const QByteArray &identity, const QVariantList &values) const
{
    *out += identity + ApiJson::timeText(values.at(0).toLongLong()).toLatin1();
    if (m_network) {
        *out += ',';
        ExportCsv::appendField(out, values.at(1));
    }
    *out += ',' + QByteArray::number(stored(values, QStringLiteral("samples")).toLongLong()) + ','
        + ApiJson::timeText(stored(values, QStringLiteral("first_ts")).toLongLong()).toLatin1()
        + ','
        + ApiJson::timeText(stored(values, QStringLiteral("last_ts")).toLongLong()).toLatin1();
    for (const QVariant &field : fields(values)) {
        *out += ',';
        ExportCsv::appendField(out, field);
    }
    *out += '\n';
}

QJsonObject RollupExport::object(const QVariantList &values) const
{
    QJsonObject object {
        {QStringLiteral("sample_time"), ApiJson::timeText(values.at(0).toLongLong())}};
    int next = 1;
    if (m_network)
        object.insert(m_columns.at(next++), values.at(1).toString());
    object.insert(
        m_columns.at(next++), double(stored(values, QStringLiteral("samples")).toLongLong()));
    object.insert(m_columns.at(next++),
        ApiJson::timeText(stored(values, QStringLiteral("first_ts")).toLongLong()));
    object.insert(m_columns.at(next++),
        ApiJson::timeText(stored(values, QStringLiteral("last_ts")).toLongLong()));
    for (const QVariant &field : fields(values))
        object.insert(m_columns.at(next++), QJsonValue::fromVariant(field));
    return object;
}

} // namespace dmr::console
