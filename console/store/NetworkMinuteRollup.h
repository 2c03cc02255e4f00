// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"

#include <QHash>
#include <QSqlDatabase>
#include <QStringList>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

class QSqlQuery;

namespace dmr::console {

class BulkInsert;

// Table network_metrics_1m: per device, minute and interface, the number of
// samples, the first and last sample time, and the min and max RX and TX
// rates in bytes/s between consecutive samples (a counter that goes backwards
// gives no rate; NULL when a minute has none). What a week-long traffic chart
// needs, in a sixtieth of the rows at one report a second. A rate counts in
// the minute of the later of its two samples. The store writer adds each
// transaction's samples in time order and write()s inside the transaction.
class NetworkMinuteRollup
{
public:
    static QString table() { return QStringLiteral("network_metrics_1m"); }
    // Migration: the table, and its rows computed from what network_metrics holds.
    static QStringList createStatements();
    // Bytes/s from one sample of a counter to a later one; nothing when the
    // counter went backwards (a restart starts it over) or time did not move.
    static std::optional<double> rate(qint64 fromMs, quint64 from, qint64 toMs, quint64 to)
    {
        if (toMs <= fromMs || to < from)
            return std::nullopt;
        return double(to - from) * 1000.0 / double(toMs - fromMs);
    }

    explicit NetworkMinuteRollup(QSqlDatabase db);
    ~NetworkMinuteRollup();
    NetworkMinuteRollup(const NetworkMinuteRollup &) = delete;
    NetworkMinuteRollup &operator=(const NetworkMinuteRollup &) = delete;

    bool prepare(QString *error);
    // Call at the start of a transaction; rollback() forgets what came since.
    void begin();
    void rollback();
    bool add(qint64 deviceId, qint64 tsMs, const dmr::InterfaceSample &sample, QString *error);
    bool write(QString *error);

private:
    struct Previous
    {
        qint64 ts = 0;
        quint64 rx = 0;
        quint64 tx = 0;
    };
    struct Minute
    {
        qint64 samples = 0;
        qint64 firstTs = 0;
        qint64 lastTs = 0;
        std::optional<double> rxMin, rxMax, txMin, txMax;
    };
    using Key = std::tuple<qint64, qint64, std::string>; // device, minute, interface

    std::optional<Previous> previous(
        qint64 deviceId, const std::string &name, qint64 tsMs, bool *ok, QString *error);

    QSqlDatabase m_db;
    std::unique_ptr<BulkInsert> m_upsert;
    std::unique_ptr<QSqlQuery> m_latest;
    QHash<QPair<qint64, QByteArray>, Previous> m_previous, m_previousAtBegin;
    std::map<Key, Minute> m_minutes;
};

} // namespace dmr::console
