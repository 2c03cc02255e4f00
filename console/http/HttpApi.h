// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertRequest.h"
#include "auth/AccountService.h"
#include "auth/LoginLimiter.h"
#include "auth/Principal.h"
#include "ingest/AcceptedReport.h"
#include "ingest/DeviceRegistry.h"
#include "store/DeviceChange.h"

#include <QHash>
#include <QHostAddress>
#include <QHttpServerResponder>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QRegularExpression>
#include <QSslConfiguration>
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QHttpServer;
class QHttpServerRequest;
class QTcpSocket;
class QThreadPool;
class QWebSocket;
class QTimer;

namespace dmr::console {

class AccountStore;
class Authenticator;
class Database;
class DeviceCache;
class DeviceListBody;
class LivePush;
class StoreReader;
struct DeviceOverview;
struct IngestCounters;

// The REST API, the web page and the WebSocket push, on a QHttpServer. Lives
// on a thread of its own with its own read-only database connection and an
// in-memory cache of the devices, so that no request waits for ingest or the
// window and ingest never waits for a request. Writes (POST) go through the
// same ingest path as datagrams, via the `Submit` function it is given;
// changes to the devices themselves (PATCH, DELETE, merge) to the store
// writer, via `ChangeDevice`, answered when the writer is done.
class HttpApi : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QHostAddress bind = QHostAddress::LocalHost;
        quint16 port = 8000; // 0: any free port
        QString databasePath;
        QString apiToken; // the legacy admin token; empty: none
        QString scrapeToken; // /metrics only; empty: none
        // Reads need a user or a token even on loopback (they always do
        // beyond it, and under TLS).
        bool authAlways = false;
        qint64 sessionMs = 12 * 3600 * 1000;
        // Both set: HTTPS on httpsPort, and `port` redirects to it.
        QString tlsCert;
        QString tlsKey;
        quint16 httpsPort = 8443; // 0: any free port
        int offlineAfterSeconds = 60;
        LoginLimiter::Options loginLimits;
    };
    // Hands a validated report to ingest and returns the device afterwards.
    // Thread-safe; may block briefly.
    using Submit = std::function<DeviceSnapshot(const AcceptedReport &, DeviceRegistry::Source)>;
    using QueueSize = std::function<std::size_t()>;
    // Hands a change to the store writer; the answer comes to done() on the
    // thread of `context`. Thread-safe; never blocks.
    using ChangeDevice = std::function<void(const DeviceChange &, QObject *context,
        std::function<void(const DeviceChangeResult &)> done)>;

    static constexpr qint64 kMaxBodyBytes = 64 * 1024;
    // Hands a request for alerting (rules, alerts, channels, a device's
    // presence, labels and maintenance) to the alerting thread; the answer
    // comes to done() on the thread of `context`. Thread-safe; never blocks.
    using AlertCall = std::function<void(
        const AlertRequest &, QObject *context, std::function<void(const AlertReply &)> done)>;

    HttpApi(Options options, const IngestCounters *counters, Submit submit, QueueSize queued,
        ChangeDevice change, QObject *parent = nullptr);
    ~HttpApi() override;

    // Before start(): without it the alerting paths answer 503.
    void setAlertCall(AlertCall call) { m_alertCall = std::move(call); }
    // Hands a request about users, tokens or the audit log to the accounts
    // thread, as the principal it names; the answer comes to done() on the
    // thread of `context`. Thread-safe; never blocks.
    using AccountCall = std::function<void(
        const AccountRequest &, QObject *context, std::function<void(const AccountReply &)> done)>;
    // Before start(): without it, accounts are answered on this thread.
    void setAccountCall(AccountCall call) { m_accountCall = std::move(call); }

    // Opens the database, fills the cache and listens. Call on the API's
    // thread. *insecure: it refused to serve beyond loopback with no user
    // and no token, or HTTPS without a usable certificate; the console must
    // not run on without it.
    bool start(QString *error, bool *insecure = nullptr);
    // Closes every connection. Call on the API's thread.
    void stop();
    // The bound port; readable from any thread.
    quint16 port() const { return m_port.load(); }
    // Under TLS: the plain HTTP port that redirects to port(); else 0.
    quint16 redirectPort() const { return m_redirectPort.load(); }
    bool isTls() const { return m_tls; }

    // Every route (its method, path pattern and who may use it: public,
    // page, read, metrics, signed, report, operator or admin), for tests that must
    // cover them all.
    struct RouteInfo
    {
        QByteArray method;
        QString pattern;
        QString access;
    };
    QList<RouteInfo> routes() const;

public slots:
    void updateDevices(const QList<DeviceSnapshot> &devices);
    void updateReports(const QList<AcceptedReport> &reports);
    void setStoreHealth(bool healthy, const QString &error);
    // The disk budget deleted history (StoreWriter::budgetDeleted).
    void noteBudgetDeletion(const QString &what, qint64 steps);
    // The store changed a device (whoever asked): the cache and the live
    // push follow.
    void applyDeviceChange(const DeviceChangeResult &result);
    // Alerts raised, cleared, acknowledged or silenced: to /ws clients.
    void pushAlerts(const QJsonArray &alerts);
    // A device's labels changed (the agent's or a person's).
    void setLabels(const QString &uuid, const QMap<QString, QString> &labels);

private:
    // On a shared database: what the other consoles store, into the cache.
    void refreshFromStore();
    void forwardToAlerts(
        const QHttpServerRequest &request, QHttpServerResponder &responder, QStringList path);
    using Status = QHttpServerResponder::StatusCode;
    using Handler = std::function<void(
        const QHttpServerRequest &, QHttpServerResponder &, const QStringList &captured)>;
    // Who may use a route.
    enum class Access {
        Public, // anyone: the login page, its files, /healthz, /api/session/
        Page, // a viewer; without one, a redirect to the login page
        Read, // a viewer (anyone while reads are open on loopback)
        Metrics, // a viewer, or the scrape token
        Signed, // anyone with a user or a token; the handler decides the rest
        Report, // an operator's, and data, not an action: not in the audit log
        Operator,
        Admin,
    };
    struct Route
    {
        QRegularExpression pattern;
        int method; // QHttpServerRequest::Method
        Access access;
        Handler handler;
    };

    void addRoute(int method, const QString &pattern, Access access, Handler handler);
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    // Authenticates and checks the route's access, CSRF and size; answers
    // and returns false when the request may not go on.
    bool admit(const QHttpServerRequest &request, QHttpServerResponder &responder, Access access);
    // What the request presents, looked up; nullopt (and answered) when it
    // presents something that is refused.
    // `page`: a refused cookie sends the browser to sign in again.
    std::optional<std::optional<Principal>> authenticate(
        const QHttpServerRequest &request, QHttpServerResponder &responder, bool page = false);
    void redirectToLogin(const QHttpServerRequest &request, QHttpServerResponder &responder);
    bool csrfOk(const QHttpServerRequest &request, const Principal &principal,
        QHttpServerResponder &responder);
    bool startRedirect(QString *error);
    void session(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void login(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void logout(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void accounts(const QHttpServerRequest &request, QHttpServerResponder &responder,
        const QStringList &path);
    QJsonObject sessionJson(const std::optional<Principal> &principal) const;
    QByteArray sessionCookie(const QByteArray &value, qint64 maxAgeSeconds) const;
    void audit(const QString &action, const QString &target, const QString &address, int status,
        const QString &actor);
    struct PendingAudit
    {
        QString actor;
        QString action;
        QString target;
        QString address;
    };
    // The audit entry of the request being dispatched, for an answer that
    // comes later (the writer's, alerting's); reply() takes it otherwise.
    std::optional<PendingAudit> takeAudit();
    void finishAudit(const std::optional<PendingAudit> &entry, int status);
    struct SocketCredentials
    {
        QByteArray bearer;
        QByteArray session;
        QByteArray origin;
        QByteArray host;
    };
    // Whether a WebSocket with these may be pushed to; *why when not, and
    // *unavailable when the accounts could not be read to tell.
    bool webSocketAllowed(const QByteArray &bearer, const QByteArray &session,
        const QByteArray &origin, const QByteArray &host, QString *why,
        bool *unavailable = nullptr);
    // True the first time `key` is asked about in a minute.
    bool firstThisMinute(const QString &key);
    // A refusal logged once a minute per address (and `what`).
    void noteRefusal(const QString &address, const QString &what);
    void replyEmpty(QHttpServerResponder &responder, Status status,
        const QList<QPair<QByteArray, QByteArray>> &extra = {});
    const DeviceOverview *deviceOr404(const QString &uuid, QHttpServerResponder &responder);
    qint64 databaseId(const QString &uuid);

    void reply(QHttpServerResponder &responder, Status status, const QByteArray &contentType,
        const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &extra = {});
    void replyJson(
        QHttpServerResponder &responder, const QByteArray &json, Status status = Status::Ok);
    void replyError(QHttpServerResponder &responder, Status status, const QString &message,
        const QList<QPair<QByteArray, QByteArray>> &extra = {});

    void listDevices(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void postDevice(const QHttpServerRequest &request, QHttpServerResponder &responder);
    void getDevice(QHttpServerResponder &responder, const QString &uuid);
    void postMetrics(const QHttpServerRequest &request, QHttpServerResponder &responder,
        const QString &uuid, bool system);
    // PATCH, DELETE and POST .../merge/: parsed here, done by the writer,
    // answered when it is.
    void changeDevice(const QHttpServerRequest &request, QHttpServerResponder &responder,
        const QString &uuid, DeviceChange::Kind kind);
    void answerChange(QHttpServerResponder &responder, const DeviceChangeResult &result);
    void hardwareMetrics(
        const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &uuid);
    void history(
        const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &uuid);
    void exportRows(const QHttpServerRequest &request, QHttpServerResponder &responder,
        const QString &uuid, bool csv);
    void stats(QHttpServerResponder &responder);
    void health(QHttpServerResponder &responder);
    void metrics(QHttpServerResponder &responder);
    void staticFile(QHttpServerResponder &responder, const QString &resource);
    void acceptWebSockets();
    void recheckWebSockets();

    Options m_options;
    bool m_tls = false;
    QSslConfiguration m_sslConfiguration;
    bool m_authRequired = false;
    std::unique_ptr<Database> m_accountsDatabase;
    std::unique_ptr<AccountStore> m_accounts;
    std::unique_ptr<Authenticator> m_auth;
    std::unique_ptr<AccountService> m_accountService;
    LoginLimiter m_limiter;
    QThreadPool *m_hashPool = nullptr; // password checks, one at a time (64 MiB each)
    int m_loginsInFlight = 0;
    QHash<QString, quint64> m_logins; // by result, for /metrics
    QHash<QString, qint64> m_refusalNoted; // firstThisMinute(): key -> when last noted
    // The principal of the request being dispatched (handlers run within dispatch).
    Principal m_principal;
    std::optional<PendingAudit> m_audit; // of the request being dispatched
    // What each WebSocket client signed in with, from its handshake.
    QHash<QWebSocket *, SocketCredentials> m_socketCredentials;
    QTimer *m_recheck = nullptr;
    QTimer *m_accountsFlush = nullptr; // audit entries and token uses that waited
    QHttpServer *m_redirectServer = nullptr;
    std::atomic<quint16> m_redirectPort {0};
    const IngestCounters *m_counters;
    Submit m_submit;
    QueueSize m_queued;
    ChangeDevice m_changeDevice;
    AlertCall m_alertCall;
    AccountCall m_accountCall;
    std::unique_ptr<StoreReader> m_reader;
    std::unique_ptr<DeviceCache> m_cache;
    QHttpServer *m_server = nullptr;
    LivePush *m_push = nullptr;
    DeviceListBody *m_list = nullptr;
    QTimer *m_refresh = nullptr; // on a shared database: refreshFromStore()
    std::vector<Route> m_routes;
    QHash<int, quint64> m_responses; // by status code, for /metrics
    bool m_storeHealthy = true;
    QString m_storeError;
    qint64 m_budgetDeletions = 0;
    QString m_lastBudgetDeletion;
    qint64 m_lastBudgetDeletionAt = 0;
    std::atomic<quint16> m_port {0};
};

} // namespace dmr::console
