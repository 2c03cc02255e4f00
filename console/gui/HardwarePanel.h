// SPDX-License-Identifier: MIT
#pragma once

#include "store/StoreReader.h"

#include <QList>
#include <QWidget>

class QLabel;
class QTableView;

namespace dmr::console {

class CoreHeatStrip;
class JsonTableModel;
class MetricChart;

// A board's hardware in a device view: temperatures and file systems' use
// over the range, its cores as a heat strip, its file systems and failed
// units as of the newest
// report, and the processes on top at the newest report or at a moment the
// user picked (a spike on a chart). Shows rows the view's store thread read;
// holds no SQL.
class HardwarePanel : public QWidget
{
    Q_OBJECT
public:
    explicit HardwarePanel(QWidget *parent = nullptr);

    void setTimeRange(qint64 fromMs, qint64 toMs);
    // The range's hardware rows, oldest first; empty for a device whose agent
    // sends none.
    void setRows(const QList<HardwareRow> &rows);
    // The processes of the row nearest to `ms`; back to the newest with -1.
    void showProcessesAt(qint64 ms);

    MetricChart *temperatureChart() const { return m_temperatures; }
    MetricChart *fileSystemChart() const { return m_fileSystemUse; }
    CoreHeatStrip *coreStrip() const { return m_cores; }
    JsonTableModel *fileSystems() const { return m_fileSystems; }
    JsonTableModel *processes() const { return m_processes; }
    QString processesCaption() const;
    QString summary() const;

private:
    void showNewest();

    QList<HardwareRow> m_rows;
    qint64 m_pinnedMs = -1;
    QLabel *m_summary;
    MetricChart *m_temperatures;
    MetricChart *m_fileSystemUse;
    CoreHeatStrip *m_cores;
    JsonTableModel *m_fileSystems;
    JsonTableModel *m_processes;
    QLabel *m_processesCaption;
};

} // namespace dmr::console
