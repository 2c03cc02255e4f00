// SPDX-License-Identifier: MIT
#pragma once

#include "gui/DeviceRow.h"
#include "gui/HistoryRequest.h"

#include <QSqlDatabase>
#include <optional>

// The read queries the desktop window needs beyond StoreReader's: every device
// with its newest values in one statement (a fleet of 10,000 in one round
// trip), all charts of a device bucketed in SQL, and row counts for export
// progress. Runs on the connection of the thread that calls it; portable SQL.
class ViewQueries
{
public:
    explicit ViewQueries(QSqlDatabase db);

    // The series systemHistory returns, in this order.
    static const QStringList &chartedMetrics();

    std::optional<QList<DeviceRow>> fleet(QString *error);
    // min/max of every charted system metric per column.
    std::optional<QList<HistorySeries>> systemHistory(
        qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error);
    // RX and TX bytes/s of every interface, min/max per column; a counter
    // that goes backwards gives no rate for that step.
    std::optional<QList<HistorySeries>> networkHistory(
        qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error);
    // Rows of `table` (system_metrics or network_metrics) a device has in the range.
    std::optional<qint64> countRows(
        const QString &table, qint64 deviceId, qint64 fromMs, qint64 toMs, QString *error);

private:
    std::optional<QList<HistorySeries>> systemHistoryByMinute(
        qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error);
    std::optional<QList<HistorySeries>> networkHistoryByMinute(
        qint64 deviceId, qint64 fromMs, qint64 toMs, int columns, QString *error);

    QSqlDatabase m_db;
};
