// SPDX-License-Identifier: MIT
#pragma once

#include "dmr/Report.h"
#include "store/Tier.h"

#include <QHash>
#include <QSqlDatabase>
#include <QStringList>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

class QSqlQuery;

namespace dmr::console {

class BulkInsert;

// Tables network_metrics_1m and network_metrics_1h: per device, minute (or
// hour) and interface, the number of samples, the first and last sample
// time, the min and max RX and TX rates in bytes/s between consecutive
// samples (a counter that goes backwards gives no rate; NULL when a bucket
// has none) and the bytes counted (the sum of the counters' increases, which
// over the bucket's time is its mean rate). What a week-long traffic chart
// and a month's traffic need, in a sixtieth of the rows at one report a
// second. A rate and an increase count in the bucket of the later of their
// two samples. The store writer adds each transaction's samples in time
// order and write()s inside the transaction; both tiers from one pass.
class NetworkRollup
{
public:
    static QString table(Tier tier) { return Tiers::networkTable(tier); }
    // The rollup's columns after device: ts, interface, samples, first_ts,
    // last_ts, rx_rate_min, rx_rate_max, tx_rate_min, tx_rate_max,
    // rx_bytes_sum, tx_bytes_sum.
    static const QStringList &columns();
    // Migration 2: the minute table (without the sums), and its rows computed
    // from what network_metrics holds.
    static QStringList createStatements();
    // Migration 6: the minute table's sums computed from network_metrics, and
    // the hour table computed from the minute table.
    static QStringList addSumsAndHourStatements();
    // Bytes/s from one sample of a counter to a later one; nothing when the
    // counter went backwards (a restart starts it over) or time did not move.
    static std::optional<double> rate(qint64 fromMs, quint64 from, qint64 toMs, quint64 to)
    {
        if (toMs <= fromMs || to < from)
            return std::nullopt;
        return double(to - from) * 1000.0 / double(toMs - fromMs);
    }

    explicit NetworkRollup(QSqlDatabase db);
    ~NetworkRollup();
    NetworkRollup(const NetworkRollup &) = delete;
    NetworkRollup &operator=(const NetworkRollup &) = delete;

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
    struct Bucket
    {
        qint64 samples = 0;
        qint64 firstTs = 0;
        qint64 lastTs = 0;
        std::optional<double> rxMin, rxMax, txMin, txMax;
        qint64 rxSum = 0;
        qint64 txSum = 0;
    };
    using Key = std::tuple<qint64, qint64, std::string>; // device, bucket, interface

    std::optional<Previous> previous(
        qint64 deviceId, const std::string &name, qint64 tsMs, bool *ok, QString *error);

    QSqlDatabase m_db;
    std::array<std::unique_ptr<BulkInsert>, Tiers::kRollups.size()> m_upserts;
    std::unique_ptr<QSqlQuery> m_latest;
    QHash<QPair<qint64, QByteArray>, Previous> m_previous, m_previousAtBegin;
    std::array<std::map<Key, Bucket>, Tiers::kRollups.size()> m_buckets;
};

} // namespace dmr::console
