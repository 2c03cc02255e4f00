// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/AlertRequest.h"
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
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QHttpServer;
class QHttpServerRequest;

class QTimer;

namespace dmr::console {

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
        QString apiToken; // empty: every POST is refused
        int offlineAfterSeconds = 60;
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

    // Opens the database, fills the cache and listens. Call on the API's thread.
    bool start(QString *error);
    // Closes every connection. Call on the API's thread.
    void stop();
    // The bound port; readable from any thread.
    quint16 port() const { return m_port.load(); }

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
    struct Route
    {
        QRegularExpression pattern;
        int method; // QHttpServerRequest::Method
        Handler handler;
    };

    void addRoute(int method, const QString &pattern, Handler handler);
    void dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder);
    bool authorized(const QHttpServerRequest &request, QHttpServerResponder &responder);
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
    void history(
        const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &uuid);
    void exportRows(const QHttpServerRequest &request, QHttpServerResponder &responder,
        const QString &uuid, bool csv);
    void stats(QHttpServerResponder &responder);
    void health(QHttpServerResponder &responder);
    void metrics(QHttpServerResponder &responder);
    void staticFile(QHttpServerResponder &responder, const QString &resource);
    void acceptWebSockets();

    Options m_options;
    const IngestCounters *m_counters;
    Submit m_submit;
    QueueSize m_queued;
    ChangeDevice m_changeDevice;
    AlertCall m_alertCall;
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
