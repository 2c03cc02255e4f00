// SPDX-License-Identifier: MIT
#pragma once

#include "ingest/AcceptedReport.h"

#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>
#include <vector>

// A device as readers show it: its registry row and its newest metrics.
struct DeviceOverview
{
    qint64 id = 0; // devices.id, for further queries
    DeviceSnapshot device;
    qint64 latestTs = 0; // 0: no metrics stored yet
    dmr::SystemSample system;
    std::vector<dmr::InterfaceSample> interfaces;
};

// One bucket of a downsampled series: min and max keep the spikes a chart
// must show, avg the trend; first/last time bound where the bucket's samples lie.
struct HistoryBucket
{
    qint64 firstTs = 0;
    qint64 lastTs = 0;
    double min = 0;
    double max = 0;
    double avg = 0;
    qint64 count = 0;
};

// Read-only queries over the metrics database, on a connection of its own.
// One instance per thread (QtSql connections belong to the thread that opened
// them); never used by the writer.
class StoreReader
{
public:
    // The system_metrics columns a history can be asked for.
    static const QStringList &systemMetrics();

    StoreReader(QString databasePath, QString connectionName);
    ~StoreReader();
    StoreReader(const StoreReader &) = delete;
    StoreReader &operator=(const StoreReader &) = delete;

    bool open(QString *error);

    std::optional<QList<DeviceOverview>> devices(QString *error);
    // nullopt with an empty error: no such device.
    std::optional<DeviceOverview> device(const QString &uuid, QString *error);

    // `metric` over [fromMs, toMs) in at most `buckets` equal time buckets;
    // empty buckets are left out.
    std::optional<QList<HistoryBucket>> history(qint64 deviceId, const QString &metric,
        qint64 fromMs, qint64 toMs, int buckets, QString *error);

    // Streams rows of system_metrics (with DESIGN.md's column names, ts first)
    // over [fromMs, toMs) in time order, without holding them all; `row`
    // returns false to stop early. Returns false on a database error.
    bool forEachSystemRow(qint64 deviceId, qint64 fromMs, qint64 toMs,
        const std::function<bool(const QVariantList &row)> &row, QString *error);
    bool forEachNetworkRow(qint64 deviceId, qint64 fromMs, qint64 toMs,
        const std::function<bool(const QVariantList &row)> &row, QString *error);
    static QStringList systemColumns(); // names of forEachSystemRow's values
    static QStringList networkColumns(); // names of forEachNetworkRow's values

    QSqlDatabase &sql() { return m_db; }

private:
    std::optional<QList<HistoryBucket>> historyByMinute(qint64 deviceId, const QString &metric,
        qint64 fromMs, qint64 toMs, int buckets, QString *error);
    bool fillLatest(DeviceOverview *overview, QString *error);
    bool forEachRow(const QString &sql, qint64 deviceId, qint64 fromMs, qint64 toMs,
        const std::function<bool(const QVariantList &)> &row, QString *error);

    QString m_path;
    QString m_connectionName;
    QSqlDatabase m_db;
};
