// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertRequest.h"
#include "auth/AccountService.h"
#include "config/ConsoleConfig.h"
#include "ingest/AcceptedReport.h"
#include "ingest/DeviceRegistry.h"
#include "ingest/IngestCounters.h"
#include "store/DeviceChange.h"

#include <QElapsedTimer>
#include <QObject>
#include <atomic>
#include <functional>
#include <memory>

class QThread;
class QTimer;

namespace dmr::console {

class AccountHost;
class Acknowledger;
class AlertService;
class HttpApi;
class Ingest;
class ReportQueue;
class StoreWriter;
class UdpReceiver;

// The console without its window: receiver and ingest on one thread, the
// store writer on another, wired so that data flows one way. Used by
// `metrics-console --headless`, by the desktop window and by the tests.
class ConsoleService : public QObject
{
    Q_OBJECT
public:
    explicit ConsoleService(
        ConsoleConfig config, DeviceRegistry::Clock clock = {}, QObject *parent = nullptr);
    ~ConsoleService() override;

    // Opens (and migrates) the database, restores known devices, binds the
    // UDP port and starts the threads. On failure says why and starts nothing.
    bool start(QString *error);
    // Stops receiving, writes every accepted report to disk, joins the threads.
    void stop();
    // Runs the receiving, storing and HTTP threads at a lower priority than
    // the GUI thread (ThreadPriority.h); call before start(). The desktop
    // window does, so that a busy machine does not make it stutter.
    void setBackgroundThreadsLowered(bool lowered) { m_lowered = lowered; }
    // Moves report reception to another address or port while running (the
    // settings dialog). Waits briefly for the ingest thread; on failure keeps
    // the current socket and says why.
    bool rebindUdp(const QHostAddress &bind, quint16 port, QString *error);

    bool isRunning() const { return m_running; }
    quint16 udpPort() const;
    // The REST API's port; 0 when it could not listen (the rest still runs).
    quint16 httpPort() const;
    // Under TLS: the plain HTTP port that redirects to httpPort(); else 0.
    quint16 httpRedirectPort() const;
    const IngestCounters &counters() const { return m_counters; }
    std::size_t queuedReports() const;
    const ConsoleConfig &config() const { return m_config; }
    // "received=... accepted=... persisted=..." plus the rate since the last call.
    QString statsLine();

    // Hands a report that arrived by other means than a datagram (the REST
    // API) to ingest, which registers and stores it like a datagram's.
    // Blocks until ingest took it; never call it on the ingest thread.
    DeviceSnapshot submitReport(const AcceptedReport &report, DeviceRegistry::Source source);

    // Asks the store writer to rename, delete or merge devices, and calls
    // done() on `context`'s thread with what became of it (not at all when
    // `context` is gone by then). Never waits for the writer: the window and
    // the REST API call it from their own threads.
    void changeDevice(DeviceChange change, QObject *context,
        std::function<void(const DeviceChangeResult &)> done);

    // Alerting (rules, presence, notifications), on its own thread; null
    // when it could not start. Its signals reach any thread.
    AlertService *alerts() const { return m_alerts; }
    // Hands a REST request to alerting and calls done() on `context`'s
    // thread with the answer; never waits.
    void alertRequest(const AlertRequest &request, QObject *context,
        std::function<void(const AlertReply &)> done);

    // The window's way into accounts (users, tokens, the audit log): the
    // REST API's requests, answered on an accounts thread of their own (made
    // at the first request) and handed to done() on `context`'s thread. The
    // window is its own admin: it runs as the local user, who owns the
    // database anyway. Never waits.
    void accountRequest(
        AccountRequest request, QObject *context, std::function<void(const AccountReply &)> done);
    // "desktop:" and the login name: who the window is in the audit log.
    static QString localUser();
    // accountRequest() as the principal the request names (the REST API's
    // caller, already authenticated). Thread-safe; never waits.
    void accountCall(const AccountRequest &request, QObject *context,
        std::function<void(const AccountReply &)> done);

signals:
    void devicesUpdated(const QList<DeviceSnapshot> &devices);
    // Every change the writer made to the devices (DeviceChangeResult::done()),
    // whoever asked, and the devices it forgot (--forget-after).
    void deviceChanged(const DeviceChangeResult &result);
    void storeHealthChanged(bool healthy, const QString &error);
    // StoreWriter's: the disk budget deleted history; a backlog being compacted.
    void storeBudgetDeleted(const QString &what, qint64 steps);
    void storeCompactionProgress(qint64 done, qint64 total);

private:
    // False (and why) when the console must not run: HTTP exposed without
    // any credentials, or HTTPS that cannot start.
    bool startHttp(QString *error);
    void stopHttp();
    void startAlerts();
    // The accounts thread (AccountHost), once; on this object's thread.
    void startAccounts();
    void stopAlerts();

    ConsoleConfig m_config;
    DeviceRegistry::Clock m_clock;
    IngestCounters m_counters;
    std::unique_ptr<ReportQueue> m_queue;
    QThread *m_ingestThread = nullptr;
    QThread *m_storeThread = nullptr;
    UdpReceiver *m_receiver = nullptr;
    Ingest *m_ingest = nullptr;
    Acknowledger *m_acknowledger = nullptr;
    StoreWriter *m_writer = nullptr;
    QThread *m_httpThread = nullptr;
    HttpApi *m_http = nullptr;
    QThread *m_accountsThread = nullptr;
    AccountHost *m_accounts = nullptr;
    QThread *m_alertsThread = nullptr;
    AlertService *m_alerts = nullptr;
    static constexpr int kMaxAlertBatchesQueued = 256;
    std::atomic<int> m_alertBatchesQueued {0};
    std::atomic<quint64> m_alertBatchesSkipped {0};
    QTimer *m_statsTimer = nullptr;
    bool m_running = false;
    bool m_lowered = false;
    QElapsedTimer m_rateClock;
    quint64 m_lastReceived = 0;
    std::atomic<quint64> m_nextChange {0};
};

} // namespace dmr::console
