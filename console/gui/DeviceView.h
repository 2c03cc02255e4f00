// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertRequest.h"
#include "gui/HistoryRequest.h"

#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>
#include <functional>

class QComboBox;
class QDateTimeEdit;
class QLabel;
class QPushButton;
class QTabWidget;
class QThread;

namespace dmr::console {

class DeviceTableModel;
class HardwarePanel;
class HeartbeatStrip;
class InterfaceTableModel;
class MetricChart;
class StoreWorker;
struct DeviceOverview;

// One device: live and historical charts of its system values and interface
// rates, and its interfaces. History is read on this view's own store thread
// and arrives already downsampled to the charts' pixel columns. Above them,
// its presence (heartbeat strip, state, uptime) as alerting answers it.
class DeviceView : public QWidget
{
    Q_OBJECT
public:
    enum class Range { Live, Hour, Day, Week, Custom };

    DeviceView(const QString &uuid, const QString &databasePath, DeviceTableModel *devices,
        QWidget *parent = nullptr);
    ~DeviceView() override;

    // Answers a REST-shaped alerting request on `context`'s thread
    // (ConsoleService::alertRequest).
    using AlertCall = std::function<void(
        const AlertRequest &request, QObject *context, std::function<void(const AlertReply &)>)>;

    QString uuid() const { return m_uuid; }
    // Where presence comes from; without it the strip says it has none.
    // Asked when the view is shown and every few seconds while it is.
    void setAlertCall(AlertCall call);
    HeartbeatStrip *heartbeatStrip() const { return m_heartbeat; }
    void setRange(Range range);
    void setCustomRange(qint64 fromMs, qint64 toMs);
    Range range() const { return m_range; }
    MetricChart *percentChart() const { return m_percent; }
    MetricChart *loadChart() const { return m_load; }
    MetricChart *networkChart() const { return m_network; }
    InterfaceTableModel *interfaces() const { return m_interfaces; }
    HardwarePanel *hardware() const { return m_hardware; }
    QTabWidget *tabs() const { return m_tabs; }

signals:
    void historyRequested(const HistoryRequest &request);
    void deviceRequested(const QString &uuid);
    // The system charts of the latest request are painted, ms after the request.
    void historyShown(qint64 ms);
    void networkShown(qint64 ms);
    // The hardware panel shows the latest request's rows.
    void hardwareShown();

protected:
    void showEvent(QShowEvent *event) override;
    void hideEvent(QHideEvent *event) override;

private:
    void requestPresence();
    void showPresence(const AlertReply &reply);
    void requestHistory();
    void showHistory(const HistoryResult &result);
    void showHardware(const HardwareResult &result);
    void showDevice(const DeviceOverview &device);
    void updateTitle();
    void rangePicked(int index);

    QString m_uuid;
    DeviceTableModel *m_devices;
    QThread *m_thread;
    StoreWorker *m_worker;
    Range m_range = Range::Live;
    qint64 m_customFrom = 0;
    qint64 m_customTo = 0;
    quint64 m_generation = 0;
    QElapsedTimer m_requestClock;
    bool m_waitingPaint = false;
    QTimer m_liveTimer;
    AlertCall m_alertCall;
    QTimer m_presenceTimer;
    bool m_presenceInFlight = false; // one request at a time, never a queue

    QLabel *m_title;
    HeartbeatStrip *m_heartbeat;
    QComboBox *m_rangeBox;
    QLabel *m_resolution; // which tier of history the charts show
    QDateTimeEdit *m_fromEdit;
    QDateTimeEdit *m_toEdit;
    QPushButton *m_applyCustom;
    MetricChart *m_percent;
    MetricChart *m_load;
    MetricChart *m_network;
    InterfaceTableModel *m_interfaces;
    HardwarePanel *m_hardware;
    QTabWidget *m_tabs;
};

} // namespace dmr::console
