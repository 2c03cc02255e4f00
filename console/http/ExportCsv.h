// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace dmr::console {

// The one CSV of an export, written by the REST export and the desktop's
// alike: per kind of export one header, in the REST API's field names, and
// the device's identity on every row, so files from either concatenate and
// load the same way:
//   system:  uuid,device_id,hostname,sample_time,cpu_percent,...
//   network: uuid,device_id,hostname,sample_time,interface,ip_address,...
// Rows come in StoreReader's column order (ts first); times are ISO 8601 UTC,
// numbers as stored (doubles with the digits they need, integers exact).
class ExportCsv
{
public:
    enum class Table { System, Network };

    // metrics: the system fields to write (a subset of SystemFields::names(),
    // written in that order whatever order they come in); empty means all.
    // Ignored for the network table.
    explicit ExportCsv(Table table, const QStringList &metrics = {});

    // The metrics that are not system fields; empty when all are.
    const QStringList &unknown() const { return m_unknown; }
    const QStringList &columns() const { return m_columns; }
    QByteArray header() const;
    // The identity columns of one device, written before each of its rows.
    static QByteArray identity(
        const QString &uuid, const QString &deviceId, const QString &hostname);
    // Appends one stored row: value(i) is the i-th of StoreReader's columns.
    template<typename Value>
    void appendRow(QByteArray *out, const QByteArray &identity, const Value &value) const
    {
        *out += identity;
        appendTime(out, value(0).toLongLong());
        for (int index : m_stored) {
            *out += ',';
            appendField(out, value(index));
        }
        *out += '\n';
    }

    static void appendField(QByteArray *out, const QVariant &value);

private:
    static void appendTime(QByteArray *out, qint64 ms);

    QStringList m_columns; // the header's names
    QList<int> m_stored; // per column after sample_time, its index in the stored row
    QStringList m_unknown;
};

} // namespace dmr::console
