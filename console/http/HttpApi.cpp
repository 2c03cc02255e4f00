// SPDX-License-Identifier: MIT
#include "http/HttpApi.h"

#include "auth/AccountService.h"
#include "auth/AccountStore.h"
#include "auth/Authenticator.h"
#include "auth/Secret.h"
#include "http/ApiJson.h"
#include "http/DeviceCache.h"
#include "http/DeviceChangeParser.h"
#include "http/DeviceListBody.h"
#include "http/Gzip.h"
#include "http/HttpListener.h"
#include "http/HttpLogging.h"
#include "http/LivePush.h"
#include "http/MetricsExport.h"
#include "http/PrometheusText.h"
#include "http/ReportParser.h"
#include "http/RequestHeaders.h"
#include "http/TlsFiles.h"
#include "ingest/IngestCounters.h"
#include "store/Database.h"
#include "store/StoreReader.h"

#include <QDateTime>
#include <QFile>
#include <QFutureWatcher>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QPointer>
#include <QRegularExpression>
#include <QSslKey>
#include <QTcpServer>
#include <QTcpSocket>
#include <QThreadPool>
#include <QTimer>
#include <QWebSocket>
#include <QtConcurrent>
#include <algorithm>

namespace dmr::console {

namespace {

using Method = QHttpServerRequest::Method;

constexpr qint64 kDayMs = 24 * 3600 * 1000LL;
constexpr int kDefaultPoints = 500;
constexpr int kMaxPoints = 10000;
// Hardware items per page of /hardware-metrics/: a day of 10 s reports is
// 8,640; an item is about 1 KB of JSON.
constexpr int kDefaultHardwareItems = 1000;
constexpr int kMaxHardwareItems = 10000;

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray methodName(int method)
{
    switch (Method(method)) {
    case Method::Get:
        return "GET";
    case Method::Post:
        return "POST";
    case Method::Put:
        return "PUT";
    case Method::Delete:
        return "DELETE";
    case Method::Head:
        return "HEAD";
    case Method::Options:
        return "OPTIONS";
    case Method::Patch:
        return "PATCH";
    default:
        break;
    }
    return "UNKNOWN";
}

QByteArray contentTypeOf(const QString &path)
{
    if (path.endsWith(QLatin1String(".html")))
        return "text/html; charset=utf-8";
    if (path.endsWith(QLatin1String(".css")))
        return "text/css; charset=utf-8";
    if (path.endsWith(QLatin1String(".js")))
        return "text/javascript; charset=utf-8";
    if (path.endsWith(QLatin1String(".svg")))
        return "image/svg+xml";
    if (path.endsWith(QLatin1String(".png")))
        return "image/png";
    return "text/plain; charset=utf-8";
}

// What every answer says about how a browser may use it: no sniffing of
// types, no framing (clickjacking), no referrer beyond this origin; a page
// runs only this origin's scripts; under TLS, HTTPS from now on.
void writeSecurityHeaders(QHttpServerResponder &responder, bool page, bool tls)
{
    responder.writeHeader("X-Content-Type-Options", "nosniff");
    responder.writeHeader("X-Frame-Options", "DENY");
    responder.writeHeader("Referrer-Policy", "same-origin");
    if (page)
        responder.writeHeader("Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; "
            "base-uri 'none'; form-action 'self'");
    if (tls)
        responder.writeHeader("Strict-Transport-Security", "max-age=31536000");
}

constexpr char kSessionCookie[] = "dmr_session";
// How often open WebSockets' credentials are checked again.
constexpr int kWebSocketRecheckMs = 5000;
const QString kLoopbackOnly = QStringLiteral(
    "reading without signing in is for this machine: ask by localhost or 127.0.0.1, or sign in "
    "at /login");

QByteArray header(const QHttpServerRequest &request, const QByteArray &name)
{
    for (const auto &[key, value] : request.headers()) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

QByteArray cookie(const QHttpServerRequest &request, const QByteArray &name)
{
    return RequestHeaders::cookie(header(request, "Cookie"), name);
}

bool sameOrigin(const QHttpServerRequest &request)
{
    return RequestHeaders::sameOrigin(header(request, "Origin"), header(request, "Host"));
}

// The HTTP status a device change is answered with.
int changeStatus(const DeviceChangeResult &result)
{
    switch (result.status) {
    case DeviceChangeResult::Status::NotFound:
        return 404;
    case DeviceChangeResult::Status::Refused:
        return 400;
    case DeviceChangeResult::Status::Failed:
        return 500;
    case DeviceChangeResult::Status::Done:
        break;
    }
    return result.change.kind == DeviceChange::Kind::Delete ? 204 : 200;
}

// Prometheus's base units: bytes, not KiB; ratios, not percentages.
double bytes(std::uint64_t kib)
{
    return double(kib) * 1024.0;
}

double ratio(double percent)
{
    return percent / 100.0;
}

} // namespace

HttpApi::HttpApi(Options options, const IngestCounters *counters, Submit submit, QueueSize queued,
    ChangeDevice change, QObject *parent)
    : QObject(parent)
    , m_options(std::move(options))
    , m_limiter(m_options.loginLimits)
    , m_counters(counters)
    , m_submit(std::move(submit))
    , m_queued(std::move(queued))
    , m_changeDevice(std::move(change))
{
    const QString uuid = QStringLiteral("([^/]+)");
    addRoute(int(Method::Get), QStringLiteral("/"), Access::Page,
        [this](auto &, auto &r, auto &) { staticFile(r, QStringLiteral(":/web/index.html")); });
    addRoute(int(Method::Get), QStringLiteral("/device/%1/").arg(uuid), Access::Page,
        [this](auto &, auto &r, auto &) { staticFile(r, QStringLiteral(":/web/device.html")); });
    addRoute(int(Method::Get), QStringLiteral("/admin/"), Access::Page,
        [this](auto &, auto &r, auto &) { staticFile(r, QStringLiteral(":/web/admin.html")); });
    addRoute(int(Method::Get), QStringLiteral("/login"), Access::Public,
        [this](auto &, auto &r, auto &) { staticFile(r, QStringLiteral(":/web/login.html")); });
    addRoute(int(Method::Get), QStringLiteral("/static/([A-Za-z0-9_./-]+)"), Access::Public,
        [this](auto &, auto &r, const QStringList &c) {
            if (c.at(0).contains(QLatin1String("..")))
                return replyError(r, Status::NotFound, QStringLiteral("no such file"));
            staticFile(r, QStringLiteral(":/web/") + c.at(0));
        });
    addRoute(int(Method::Get), QStringLiteral("/healthz"), Access::Public,
        [this](auto &, auto &r, auto &) { health(r); });
    addRoute(int(Method::Get), QStringLiteral("/metrics"), Access::Metrics,
        [this](auto &, auto &r, auto &) { metrics(r); });
    // Signing in and out: public, each answers for itself.
    addRoute(int(Method::Get), QStringLiteral("/api/session/"), Access::Public,
        [this](auto &q, auto &r, auto &) { session(q, r); });
    addRoute(int(Method::Post), QStringLiteral("/api/session/"), Access::Public,
        [this](auto &q, auto &r, auto &) { login(q, r); });
    addRoute(int(Method::Delete), QStringLiteral("/api/session/"), Access::Public,
        [this](auto &q, auto &r, auto &) { logout(q, r); });
    // Accounts: users are an admin's (a user's own, their password); tokens
    // each user's own (an admin's, everyone's); the audit log an admin's.
    const QList<std::tuple<QString, QList<Method>, Access>> accountRoutes = {
        {QStringLiteral("/api/(users)/"), {Method::Get, Method::Post}, Access::Admin},
        {QStringLiteral("/api/(users)/([^/]+)/"), {Method::Get, Method::Put, Method::Delete},
            Access::Signed},
        {QStringLiteral("/api/(tokens)/"), {Method::Get, Method::Post}, Access::Signed},
        {QStringLiteral("/api/(tokens)/([^/]+)/"), {Method::Get, Method::Delete}, Access::Signed},
        {QStringLiteral("/api/(audit)/"), {Method::Get}, Access::Admin},
    };
    for (const auto &[pattern, methods, access] : accountRoutes) {
        for (Method method : methods) {
            addRoute(int(method), pattern, access,
                [this](auto &q, auto &r, const QStringList &c) { accounts(q, r, c); });
        }
    }
    addRoute(int(Method::Get), QStringLiteral("/api/stats/"), Access::Read,
        [this](auto &, auto &r, auto &) { stats(r); });
    addRoute(int(Method::Get), QStringLiteral("/api/devices/"), Access::Read,
        [this](auto &q, auto &r, auto &) { listDevices(q, r); });
    // Reports over HTTP are an operator's (what an agent's token needs).
    addRoute(int(Method::Post), QStringLiteral("/api/devices/"), Access::Report,
        [this](auto &q, auto &r, auto &) { postDevice(q, r); });
    addRoute(int(Method::Get), QStringLiteral("/api/devices/%1/").arg(uuid), Access::Read,
        [this](auto &, auto &r, const QStringList &c) { getDevice(r, c.at(0)); });
    addRoute(int(Method::Patch), QStringLiteral("/api/devices/%1/").arg(uuid), Access::Admin,
        [this](auto &q, auto &r, const QStringList &c) {
            changeDevice(q, r, c.at(0), DeviceChange::Kind::Rename);
        });
    addRoute(int(Method::Delete), QStringLiteral("/api/devices/%1/").arg(uuid), Access::Admin,
        [this](auto &q, auto &r, const QStringList &c) {
            changeDevice(q, r, c.at(0), DeviceChange::Kind::Delete);
        });
    addRoute(int(Method::Post), QStringLiteral("/api/devices/%1/merge/").arg(uuid), Access::Admin,
        [this](auto &q, auto &r, const QStringList &c) {
            changeDevice(q, r, c.at(0), DeviceChange::Kind::Merge);
        });
    // Alerting: rules, alerts, channels and what was sent, and a device's
    // presence, labels and maintenance, answered on the alerting thread.
    // Channels and what was sent on them are an admin's: a webhook's address
    // is often its secret.
    const QString id = QStringLiteral("([0-9]+)");
    const QList<std::tuple<QString, Method, Access>> alerting = {
        {QStringLiteral("/api/(rules)/"), Method::Get, Access::Read},
        {QStringLiteral("/api/(rules)/"), Method::Post, Access::Admin},
        {QStringLiteral("/api/(rules)/%1/").arg(id), Method::Get, Access::Read},
        {QStringLiteral("/api/(rules)/%1/").arg(id), Method::Put, Access::Admin},
        {QStringLiteral("/api/(rules)/%1/").arg(id), Method::Delete, Access::Admin},
        {QStringLiteral("/api/(alerts)/"), Method::Get, Access::Read},
        {QStringLiteral("/api/(alerts)/%1/").arg(id), Method::Get, Access::Read},
        {QStringLiteral("/api/(alerts)/%1/(ack|silence)/").arg(id), Method::Post, Access::Operator},
        {QStringLiteral("/api/(channels)/"), Method::Get, Access::Admin},
        {QStringLiteral("/api/(channels)/"), Method::Post, Access::Admin},
        {QStringLiteral("/api/(channels)/%1/").arg(id), Method::Get, Access::Admin},
        {QStringLiteral("/api/(channels)/%1/").arg(id), Method::Put, Access::Admin},
        {QStringLiteral("/api/(channels)/%1/").arg(id), Method::Delete, Access::Admin},
        {QStringLiteral("/api/(channels)/%1/(test)/").arg(id), Method::Post, Access::Admin},
        {QStringLiteral("/api/(notifications)/"), Method::Get, Access::Admin},
        {QStringLiteral("/api/(devices)/%1/(presence)/").arg(uuid), Method::Get, Access::Read},
        {QStringLiteral("/api/(devices)/%1/(labels)/").arg(uuid), Method::Get, Access::Read},
        {QStringLiteral("/api/(devices)/%1/(labels)/").arg(uuid), Method::Put, Access::Operator},
        {QStringLiteral("/api/(devices)/%1/(maintenance)/").arg(uuid), Method::Put,
            Access::Operator},
    };
    for (const auto &[pattern, method, access] : alerting) {
        addRoute(int(method), pattern, access,
            [this](auto &q, auto &r, const QStringList &c) { forwardToAlerts(q, r, c); });
    }
    addRoute(int(Method::Post), QStringLiteral("/api/devices/%1/system-metrics/").arg(uuid),
        Access::Report,
        [this](auto &q, auto &r, const QStringList &c) { postMetrics(q, r, c.at(0), true); });
    addRoute(int(Method::Post), QStringLiteral("/api/devices/%1/network-metrics/").arg(uuid),
        Access::Report,
        [this](auto &q, auto &r, const QStringList &c) { postMetrics(q, r, c.at(0), false); });
    addRoute(int(Method::Get), QStringLiteral("/api/devices/%1/hardware-metrics/").arg(uuid),
        Access::Read,
        [this](auto &q, auto &r, const QStringList &c) { hardwareMetrics(q, r, c.at(0)); });
    addRoute(int(Method::Get), QStringLiteral("/api/devices/%1/history/").arg(uuid), Access::Read,
        [this](auto &q, auto &r, const QStringList &c) { history(q, r, c.at(0)); });
    addRoute(int(Method::Get), QStringLiteral("/api/devices/%1/export\\.csv").arg(uuid),
        Access::Read,
        [this](auto &q, auto &r, const QStringList &c) { exportRows(q, r, c.at(0), true); });
    addRoute(int(Method::Get), QStringLiteral("/api/devices/%1/export\\.json").arg(uuid),
        Access::Read,
        [this](auto &q, auto &r, const QStringList &c) { exportRows(q, r, c.at(0), false); });
}

HttpApi::~HttpApi()
{
    stop();
}

QList<HttpApi::RouteInfo> HttpApi::routes() const
{
    QList<RouteInfo> list;
    for (const Route &route : m_routes) {
        static const char *const names[]
            = {"public", "page", "read", "metrics", "signed", "report", "operator", "admin"};
        list.append({methodName(route.method), route.pattern.pattern().mid(1).chopped(1),
            QString::fromLatin1(names[int(route.access)])});
    }
    return list;
}

void HttpApi::addRoute(int method, const QString &pattern, Access access, Handler handler)
{
    m_routes.push_back({QRegularExpression(QLatin1Char('^') + pattern + QLatin1Char('$')), method,
        access, std::move(handler)});
}

bool HttpApi::start(QString *error, bool *insecure)
{
    bool ignored = false;
    if (!insecure)
        insecure = &ignored;
    *insecure = false;
    m_reader = std::make_unique<StoreReader>(m_options.databasePath,
        QStringLiteral("http-api-%1").arg(reinterpret_cast<quintptr>(this), 0, 16));
    if (!m_reader->open(error))
        return false;
    m_accountsDatabase = std::make_unique<Database>(
        QStringLiteral("http-accounts-%1").arg(reinterpret_cast<quintptr>(this), 0, 16));
    if (!m_accountsDatabase->open(m_options.databasePath, error))
        return false;
    m_accounts = std::make_unique<AccountStore>(m_accountsDatabase->sql());
    Authenticator::Options authOptions;
    authOptions.legacyToken = m_options.apiToken.toUtf8();
    authOptions.scrapeToken = m_options.scrapeToken.toUtf8();
    authOptions.sessionMs = m_options.sessionMs;
    m_auth = std::make_unique<Authenticator>(m_accounts.get(), authOptions);
    // Audit entries wait in memory rather than this thread for the writer.
    m_accountService = std::make_unique<AccountService>(m_accounts.get(), 1);
    m_accountsFlush = new QTimer(this);
    connect(m_accountsFlush, &QTimer::timeout, this, [this] {
        m_accountService->flushAudit(1);
        m_auth->flushTokenUse(1);
    });
    m_accountsFlush->start(1000);
    m_hashPool = new QThreadPool(this);
    m_hashPool->setMaxThreadCount(1);

    m_tls = !m_options.tlsCert.isEmpty() && !m_options.tlsKey.isEmpty();
    if (m_tls) {
        const std::optional<QSslConfiguration> tls
            = TlsFiles::load(m_options.tlsCert, m_options.tlsKey, error);
        if (!tls) {
            *insecure = true;
            return false;
        }
        m_sslConfiguration = *tls;
    }
    const bool loopback = m_options.bind.isLoopback();
    m_authRequired = m_options.authAlways || !loopback || m_tls;
    if (!loopback) {
        const std::optional<qint64> users = m_accounts->userCount(error);
        if (!users)
            return false;
        if (*users == 0 && m_options.apiToken.isEmpty()) {
            *error = QStringLiteral(
                "refusing to serve the web page and REST API on %1, beyond this machine, with "
                "no user to sign in and no token: create an admin first with "
                "`metrics-console users add NAME --role admin` (or set METRICS_API_TOKEN), or "
                "bind HTTP to 127.0.0.1 (--http-bind)")
                         .arg(m_options.bind.toString());
            *insecure = true;
            return false;
        }
    }
    const std::optional<QList<DeviceOverview>> devices = m_reader->devices(error);
    if (!devices)
        return false;
    m_cache = std::make_unique<DeviceCache>(m_options.offlineAfterSeconds);
    m_cache->reset(*devices);
    m_push = new LivePush(m_cache.get(), this);
    m_list = new DeviceListBody(m_cache.get(), this);
    if (m_reader->isShared()) {
        // Other consoles write devices this one never hears of: the cache
        // follows the database too, every two seconds (one statement).
        m_refresh = new QTimer(this);
        connect(m_refresh, &QTimer::timeout, this, &HttpApi::refreshFromStore);
        m_refresh->start(2000);
    }

    m_server = new QHttpServer(this);
    m_server->setMissingHandler(
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            dispatch(request, std::move(responder));
        });
    // Qt 6.4 hands a connection to its WebSocket server whenever a route
    // matched the upgrade request, whatever that route wrote back: an answer
    // here does not keep anyone out. acceptWebSockets() does, before a
    // byte is pushed; this only tells an honest client why.
    m_server->route(QStringLiteral("/ws"),
        [this](const QHttpServerRequest &request, QHttpServerResponder &&responder) {
            if (header(request, "Upgrade").compare("websocket", Qt::CaseInsensitive) == 0) {
                QString why;
                if (!webSocketAllowed(RequestHeaders::bearer(header(request, "Authorization")),
                        cookie(request, kSessionCookie), header(request, "Origin"),
                        header(request, "Host"), &why))
                    replyError(responder, Status::Forbidden, why);
                return;
            }
            replyError(responder, Status::UpgradeRequired,
                QStringLiteral("/ws is a WebSocket endpoint; connect with a WebSocket client"),
                {{"Upgrade", "websocket"}});
        });
    connect(
        m_server, &QAbstractHttpServer::newWebSocketConnection, this, &HttpApi::acceptWebSockets);
    m_recheck = new QTimer(this);
    connect(m_recheck, &QTimer::timeout, this, &HttpApi::recheckWebSockets);
    m_recheck->start(kWebSocketRecheckMs);
    auto *listener = new HttpListener(kMaxBodyBytes, m_server);
    if (m_tls)
        listener->setSslConfiguration(m_sslConfiguration);
    connect(
        listener, &HttpListener::requestTooLarge, this, [this](const QString &peer, qint64 bytes) {
            ++m_responses[int(Status::PayloadTooLarge)];
            qCWarning(lcHttp, "refused a request of %lld bytes from %s: over %lld bytes",
                qlonglong(bytes), qPrintable(peer), qlonglong(kMaxBodyBytes));
        });
    const quint16 wanted = m_tls ? m_options.httpsPort : m_options.port;
    if (!listener->listen(m_options.bind, wanted)) {
        *error = QStringLiteral("cannot listen for %1 on %2 port %3: %4")
                     .arg(m_tls ? QStringLiteral("HTTPS") : QStringLiteral("HTTP"),
                         m_options.bind.toString())
                     .arg(wanted)
                     .arg(listener->errorString());
        delete m_server;
        m_server = nullptr;
        return false;
    }
    m_server->bind(listener);
    const quint16 port = listener->serverPort();
    m_port = port;
    const QString host = m_options.bind.protocol() == QAbstractSocket::IPv6Protocol
        ? QLatin1Char('[') + m_options.bind.toString() + QLatin1Char(']')
        : m_options.bind.toString();
    qCInfo(lcHttp, "REST API and web page on %s://%s:%u/ (%lld devices cached); %s",
        m_tls ? "https" : "http", qPrintable(host), port, qlonglong(devices->size()),
        m_authRequired ? "every request but /healthz needs a user or a token"
                       : "reads are open to this machine, writes need a user or a token");
    if (m_tls && !startRedirect(error)) {
        stop();
        return false;
    }
    return true;
}

bool HttpApi::startRedirect(QString *error)
{
    // Plain HTTP answers /healthz (for probes on this machine) and sends
    // everything else to HTTPS, method and body kept (308).
    m_redirectServer = new QHttpServer(this);
    m_redirectServer->setMissingHandler([this](const QHttpServerRequest &request,
                                            QHttpServerResponder &&responder) {
        if (request.url().path() == QLatin1String("/healthz"))
            return health(responder);
        QString host = QString::fromLatin1(header(request, "Host"));
        static const QRegularExpression hostPort(
            QStringLiteral("^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+)(:[0-9]+)?$"));
        const QRegularExpressionMatch match = hostPort.match(host);
        host = match.hasMatch() ? match.captured(1) : m_options.bind.toString();
        const QByteArray location = "https://" + host.toLatin1() + ':'
            + QByteArray::number(m_port.load()) + request.url().path(QUrl::FullyEncoded).toLatin1()
            + (request.url().hasQuery() ? '?' + request.url().query(QUrl::FullyEncoded).toLatin1()
                                        : QByteArray());
        reply(responder, Status::PermanentRedirect, "text/plain; charset=utf-8",
            "use HTTPS: " + location + '\n', {{"Location", location}});
    });
    auto *listener = new HttpListener(kMaxBodyBytes, m_redirectServer);
    if (!listener->listen(m_options.bind, m_options.port)) {
        *error = QStringLiteral("cannot listen for HTTP (redirecting to HTTPS) on %1 port %2: %3")
                     .arg(m_options.bind.toString())
                     .arg(m_options.port)
                     .arg(listener->errorString());
        return false;
    }
    m_redirectServer->bind(listener);
    m_redirectPort = listener->serverPort();
    qCInfo(lcHttp, "plain HTTP on port %u redirects to HTTPS", unsigned(m_redirectPort.load()));
    return true;
}

void HttpApi::stop()
{
    delete m_recheck;
    m_recheck = nullptr;
    delete m_redirectServer;
    m_redirectServer = nullptr;
    m_redirectPort = 0;
    delete m_refresh; // on this thread, which owns its timer
    m_refresh = nullptr;
    delete m_push;
    m_push = nullptr;
    delete m_list; // waits for a list being serialized
    m_list = nullptr;
    delete m_server; // closes the listening socket and every connection
    m_server = nullptr;
    m_port = 0;
    // Exports read through m_reader: they go first.
    qDeleteAll(findChildren<MetricsExport *>(Qt::FindDirectChildrenOnly));
    m_reader.reset();
    // Password checks running finish first: their answers go nowhere.
    if (m_hashPool)
        m_hashPool->waitForDone();
    delete m_accountsFlush;
    m_accountsFlush = nullptr;
    // What waited for the database is written now, waiting if need be.
    if (m_accountService && !m_accountService->flushAudit(5000))
        qCWarning(lcHttp, "audit entries could not be written before stopping");
    if (m_auth)
        m_auth->flushTokenUse(5000, true);
    qDeleteAll(findChildren<QFutureWatcher<bool> *>(Qt::FindDirectChildrenOnly));
    m_audit.reset();
    m_socketCredentials.clear();
    m_accountService.reset();
    m_auth.reset();
    m_accounts.reset();
    m_accountsDatabase.reset();
    // Updates queued before the thread quits still arrive: they find no cache.
    m_cache.reset();
}

void HttpApi::updateDevices(const QList<DeviceSnapshot> &devices)
{
    if (!m_cache || !m_push)
        return;
    m_cache->updateDevices(devices);
    QStringList uuids;
    for (const DeviceSnapshot &device : devices)
        uuids.append(device.uuid);
    m_push->devicesChanged(uuids);
}

void HttpApi::refreshFromStore()
{
    if (!m_cache || !m_push)
        return;
    QString error;
    const std::optional<QList<DeviceOverview>> stored = m_reader->fleet(&error);
    if (!stored) {
        qCWarning(lcHttp, "cannot read the fleet from the database: %s", qPrintable(error));
        return;
    }
    const QList<QPair<qint64, qint64>> newer = m_cache->refresh(*stored);
    const auto interfaces = m_reader->interfacesOf(newer, &error);
    if (interfaces)
        m_cache->updateInterfaces(*interfaces);
    else
        qCWarning(lcHttp, "cannot read interfaces from the database: %s", qPrintable(error));
    QStringList uuids;
    for (const DeviceOverview &device : *stored)
        uuids.append(device.device.uuid);
    m_push->devicesChanged(uuids);
}

void HttpApi::updateReports(const QList<AcceptedReport> &reports)
{
    if (m_cache)
        m_cache->updateReports(reports);
}

void HttpApi::setStoreHealth(bool healthy, const QString &error)
{
    m_storeHealthy = healthy;
    m_storeError = error;
}

void HttpApi::noteBudgetDeletion(const QString &what, qint64 steps)
{
    m_budgetDeletions += steps;
    m_lastBudgetDeletion = what;
    m_lastBudgetDeletionAt = now();
}

void HttpApi::applyDeviceChange(const DeviceChangeResult &result)
{
    if (!m_cache || !m_push || !result.done())
        return;
    const DeviceChange &change = result.change;
    switch (change.kind) {
    case DeviceChange::Kind::Rename:
        m_cache->setDisplayName(change.uuid, result.displayName);
        m_push->devicesChanged({change.uuid});
        return;
    case DeviceChange::Kind::Delete:
        if (!m_cache->find(change.uuid))
            return; // heard of already
        m_cache->remove(change.uuid);
        m_push->devicesRemoved({change.uuid});
        return;
    case DeviceChange::Kind::Merge: {
        if (!m_cache->find(change.from))
            return; // heard of already
        // The merged counters as stored; ingest's follow as it hears of it.
        QString error;
        std::optional<DeviceOverview> stored = m_reader->device(change.uuid, &error);
        if (!stored) {
            if (const DeviceOverview *cached = m_cache->find(change.uuid))
                stored = *cached;
            else
                stored = DeviceOverview();
            stored->device.uuid = change.uuid;
            stored->displayName = result.displayName;
        }
        m_cache->merge(change.from, *stored);
        m_push->devicesRemoved({change.from});
        m_push->devicesChanged({change.uuid});
        return;
    }
    }
}

void HttpApi::acceptWebSockets()
{
    while (m_server->hasPendingWebSocketConnections()) {
        std::unique_ptr<QWebSocket> socket = m_server->nextPendingWebSocketConnection();
        if (socket->requestUrl().path() != QLatin1String("/ws")) {
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated,
                QStringLiteral("WebSocket connections are served on /ws only"));
            socket.release()->deleteLater();
            continue;
        }
        // Who it is, from its handshake, before anything is pushed to it;
        // checked again while it stays open: a session that ends or a token
        // revoked closes it too.
        QWebSocket *raw = socket.get();
        const QNetworkRequest handshake = raw->request();
        const SocketCredentials credentials {
            RequestHeaders::bearer(handshake.rawHeader("Authorization")),
            RequestHeaders::cookie(handshake.rawHeader("Cookie"), kSessionCookie),
            raw->origin().toLatin1(), handshake.rawHeader("Host")};
        QString why;
        if (!webSocketAllowed(credentials.bearer, credentials.session, credentials.origin,
                credentials.host, &why)) {
            noteRefusal(raw->peerAddress().toString(), QStringLiteral("WebSocket: ") + why);
            socket->close(QWebSocketProtocol::CloseCodePolicyViolated, why);
            socket.release()->deleteLater();
            continue;
        }
        m_socketCredentials.insert(raw, credentials);
        connect(raw, &QObject::destroyed, this, [this, raw] { m_socketCredentials.remove(raw); });
        m_push->add(std::move(socket));
    }
}

bool HttpApi::webSocketAllowed(const QByteArray &bearer, const QByteArray &session,
    const QByteArray &origin, const QByteArray &host, QString *why, bool *unavailable)
{
    // Another site's page may not open it with this one's cookie.
    if (!RequestHeaders::sameOrigin(origin, host)) {
        *why = QStringLiteral("WebSocket from another origin");
        return false;
    }
    const Authenticator::Result who = m_auth->authenticate(bearer, session);
    if (who.databaseError) {
        *why = who.refusal;
        if (unavailable)
            *unavailable = true;
        return false;
    }
    if (who.principal) {
        if (who.principal->may(Role::Viewer))
            return true;
        *why = QStringLiteral("the scrape token reads /metrics and nothing else");
        return false;
    }
    if (!who.refusal.isEmpty()) {
        *why = QStringLiteral("%1; sign in again").arg(who.refusal);
        return false;
    }
    if (m_authRequired) {
        *why = QStringLiteral("sign in at /login, or send Authorization: Bearer <token>");
        return false;
    }
    if (!RequestHeaders::isLoopbackHost(host)) {
        *why = kLoopbackOnly;
        return false;
    }
    return true;
}

void HttpApi::recheckWebSockets()
{
    for (auto it = m_socketCredentials.cbegin(); it != m_socketCredentials.cend(); ++it) {
        QString why;
        bool unavailable = false;
        // A database that cannot answer is not the client's fault: asked
        // again next time.
        if (!webSocketAllowed(it->bearer, it->session, it->origin, it->host, &why, &unavailable)
            && !unavailable) {
            qCInfo(lcHttp, "closing a WebSocket from %s: %s",
                qPrintable(it.key()->peerAddress().toString()), qPrintable(why));
            it.key()->close(QWebSocketProtocol::CloseCodePolicyViolated, why);
        }
    }
}

void HttpApi::dispatch(const QHttpServerRequest &request, QHttpServerResponder &&responder)
{
    const QString path = request.url().path();
    QByteArray allowed;
    for (const Route &route : m_routes) {
        const QRegularExpressionMatch match = route.pattern.match(path);
        if (!match.hasMatch())
            continue;
        if (route.method != int(request.method())) {
            if (!allowed.contains(methodName(route.method)))
                allowed += (allowed.isEmpty() ? "" : ", ") + methodName(route.method);
            continue;
        }
        m_principal = Principal();
        m_audit.reset();
        if (!admit(request, responder, route.access))
            return;
        const bool write = request.method() != Method::Get && request.method() != Method::Head;
        // Accounts audit their own changes, with what they were.
        if (write && route.access != Access::Public && route.access != Access::Report
            && !path.startsWith(QLatin1String("/api/users/"))
            && !path.startsWith(QLatin1String("/api/tokens/"))) {
            m_audit = PendingAudit {m_principal.actor(),
                QString::fromLatin1(methodName(int(request.method()))) + QLatin1Char(' ') + path,
                QString(), request.remoteAddress().toString()};
        }
        QStringList captured = match.capturedTexts();
        captured.removeFirst();
        route.handler(request, responder, captured);
        // Answered (reply() wrote the entry) or taken by an answer to come.
        m_audit.reset();
        return;
    }
    if (!allowed.isEmpty()) {
        replyError(responder, Status::MethodNotAllowed,
            QStringLiteral("%1 is not allowed on %2; allowed: %3")
                .arg(QString::fromLatin1(methodName(int(request.method()))), path,
                    QString::fromLatin1(allowed)),
            {{"Allow", allowed}});
        return;
    }
    QString message = QStringLiteral("no such resource: %1").arg(path);
    if (path.startsWith(QLatin1String("/api/")) && !path.endsWith(QLatin1Char('/'))
        && !path.contains(QLatin1String("/export."))) {
        message += QStringLiteral(" (API paths end with a slash: %1/)").arg(path);
    }
    replyError(responder, Status::NotFound, message);
}

void HttpApi::reply(QHttpServerResponder &responder, Status status, const QByteArray &contentType,
    const QByteArray &body, const QList<QPair<QByteArray, QByteArray>> &extra)
{
    ++m_responses[int(status)];
    finishAudit(takeAudit(), int(status));
    responder.writeStatusLine(status);
    responder.writeHeader("Content-Type", contentType);
    responder.writeHeader("Content-Length", QByteArray::number(body.size()));
    writeSecurityHeaders(responder, contentType.startsWith("text/html"), m_tls);
    for (const auto &[key, value] : extra)
        responder.writeHeader(key, value);
    responder.writeBody(body);
}

void HttpApi::replyEmpty(QHttpServerResponder &responder, Status status,
    const QList<QPair<QByteArray, QByteArray>> &extra)
{
    ++m_responses[int(status)];
    finishAudit(takeAudit(), int(status));
    responder.writeStatusLine(status);
    responder.writeHeader("Cache-Control", "no-store");
    responder.writeHeader("Content-Length", "0");
    writeSecurityHeaders(responder, false, m_tls);
    for (const auto &[key, value] : extra)
        responder.writeHeader(key, value);
    responder.writeBody(QByteArray());
}

void HttpApi::replyJson(QHttpServerResponder &responder, const QByteArray &json, Status status)
{
    reply(responder, status, "application/json", json, {{"Cache-Control", "no-store"}});
}

void HttpApi::replyError(QHttpServerResponder &responder, Status status, const QString &message,
    const QList<QPair<QByteArray, QByteArray>> &extra)
{
    qCDebug(lcHttp, "%d: %s", int(status), qPrintable(message));
    reply(responder, status, "application/json", ApiJson::error(message), extra);
}

std::optional<std::optional<Principal>> HttpApi::authenticate(
    const QHttpServerRequest &request, QHttpServerResponder &responder, bool page)
{
    const QList<QPair<QByteArray, QByteArray>> challenge = {{"WWW-Authenticate", "Bearer"}};
    const QByteArray authorization = header(request, "Authorization");
    QByteArray bearer;
    if (!authorization.isEmpty()) {
        if (!authorization.startsWith("Bearer ")) {
            replyError(responder, Status::Unauthorized,
                QStringLiteral("send Authorization: Bearer <token>"), challenge);
            return std::nullopt;
        }
        bearer = authorization.mid(7).trimmed();
    }
    const Authenticator::Result result
        = m_auth->authenticate(bearer, cookie(request, kSessionCookie));
    if (result.databaseError) {
        replyError(responder, Status::ServiceUnavailable, result.refusal);
        return std::nullopt;
    }
    if (!result.principal && !result.refusal.isEmpty()) {
        noteRefusal(request.remoteAddress().toString(), result.refusal);
        QList<QPair<QByteArray, QByteArray>> extra = challenge;
        // A session that ended: the browser forgets its cookie, and a page
        // sends it to sign in again.
        if (bearer.isEmpty()) {
            if (page) {
                redirectToLogin(request, responder);
                return std::nullopt;
            }
            extra.append({"Set-Cookie", sessionCookie(QByteArray(), 0)});
        }
        replyError(responder, Status::Unauthorized,
            QStringLiteral("%1; sign in again at /login or use a valid token").arg(result.refusal),
            extra);
        return std::nullopt;
    }
    return result.principal;
}

void HttpApi::redirectToLogin(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const QString next = request.url().path(QUrl::FullyEncoded);
    reply(responder, Status::SeeOther, "text/plain; charset=utf-8", "sign in\n",
        {{"Location", "/login?next=" + QUrl::toPercentEncoding(next, "/")},
            {"Cache-Control", "no-store"}, {"Set-Cookie", sessionCookie(QByteArray(), 0)}});
}

bool HttpApi::firstThisMinute(const QString &key)
{
    // Whoever keeps knocking fills neither the log, the audit log nor memory.
    const qint64 t = now();
    const auto it = m_refusalNoted.constFind(key);
    if (it != m_refusalNoted.cend() && t - *it < 60000)
        return false;
    if (m_refusalNoted.size() > 10000)
        m_refusalNoted.clear();
    m_refusalNoted.insert(key, t);
    return true;
}

void HttpApi::noteRefusal(const QString &address, const QString &what)
{
    if (firstThisMinute(address + QLatin1Char(' ') + what))
        qCInfo(lcHttp, "refused a request from %s: %s", qPrintable(address), qPrintable(what));
}

bool HttpApi::csrfOk(
    const QHttpServerRequest &request, const Principal &principal, QHttpServerResponder &responder)
{
    if (principal.kind != Principal::Kind::Session)
        return true; // a token is sent on purpose, never by a browser on its own
    const QByteArray sent = header(request, "X-CSRF-Token");
    if (!sameOrigin(request) || sent.isEmpty() || !Secret::equal(sent, principal.csrf.toLatin1())) {
        qCWarning(lcHttp, "refused a %s %s from %s: missing or wrong CSRF token or origin",
            methodName(int(request.method())).constData(), qPrintable(request.url().path()),
            qPrintable(request.remoteAddress().toString()));
        replyError(responder, Status::Forbidden,
            QStringLiteral("missing or wrong CSRF token: send the session's csrf_token (GET "
                           "/api/session/) as X-CSRF-Token, from this origin"));
        return false;
    }
    return true;
}

bool HttpApi::admit(
    const QHttpServerRequest &request, QHttpServerResponder &responder, Access access)
{
    if (access == Access::Public)
        return true;
    const std::optional<std::optional<Principal>> who
        = authenticate(request, responder, access == Access::Page);
    if (!who)
        return false;
    const bool write = request.method() != Method::Get && request.method() != Method::Head;
    const QString need = access == Access::Admin ? QStringLiteral("the admin role")
        : access == Access::Operator || access == Access::Report
        ? QStringLiteral("the operator role")
        : QStringLiteral("a user or a token");
    if (!*who) {
        const bool open = !m_authRequired && !write
            && (access == Access::Page || access == Access::Read || access == Access::Metrics);
        // An anonymous viewer, on loopback, asking by a name of this
        // machine: a page elsewhere whose name was pointed at 127.0.0.1 (DNS
        // rebinding) asks by its own name, and reads nothing.
        if (open && !RequestHeaders::isLoopbackHost(header(request, "Host"))) {
            noteRefusal(request.remoteAddress().toString(), QStringLiteral("Host not loopback"));
            replyError(responder, Status::Forbidden, kLoopbackOnly);
            return false;
        }
        if (open)
            return true;
        if (access == Access::Page) {
            redirectToLogin(request, responder);
            return false;
        }
        replyError(responder, Status::Unauthorized,
            write && !m_authRequired
                ? QStringLiteral("writes need %1: sign in at /login, or send Authorization: "
                                 "Bearer <token> (metrics-console users)")
                      .arg(need)
                : QStringLiteral("sign in at /login, or send Authorization: Bearer <token>"),
            {{"WWW-Authenticate", "Bearer"}});
        return false;
    }
    const Principal &principal = **who;
    if (principal.kind == Principal::Kind::ScrapeToken && access != Access::Metrics) {
        replyError(responder, Status::Forbidden,
            QStringLiteral("the scrape token reads /metrics and nothing else"));
        return false;
    }
    const bool operatorRole = access == Access::Operator || access == Access::Report;
    const Role needed = access == Access::Admin ? Role::Admin
        : operatorRole                          ? Role::Operator
                                                : Role::Viewer;
    if (principal.kind != Principal::Kind::ScrapeToken && !principal.may(needed)) {
        qCInfo(lcHttp, "refused %s %s to %s (%s): needs %s",
            methodName(int(request.method())).constData(), qPrintable(request.url().path()),
            qPrintable(principal.actor()), qPrintable(roleName(principal.role)),
            qPrintable(roleName(needed)));
        if (write)
            audit(QString::fromLatin1(methodName(int(request.method()))) + QLatin1Char(' ')
                    + request.url().path(),
                QStringLiteral("refused: needs %1").arg(roleName(needed)),
                request.remoteAddress().toString(), 403, principal.actor());
        replyError(responder, Status::Forbidden,
            QStringLiteral("%1 %2 needs %3; %4 is %5")
                .arg(QString::fromLatin1(methodName(int(request.method()))), request.url().path(),
                    need,
                    principal.kind == Principal::Kind::Token
                        ? QStringLiteral("this token of %1").arg(principal.actor())
                        : principal.actor(),
                    roleName(principal.role)));
        return false;
    }
    if (write && !csrfOk(request, principal, responder)) {
        audit(QString::fromLatin1(methodName(int(request.method()))) + QLatin1Char(' ')
                + request.url().path(),
            QStringLiteral("refused: no CSRF token"), request.remoteAddress().toString(), 403,
            principal.actor());
        return false;
    }
    if (write && request.body().size() > kMaxBodyBytes) {
        replyError(responder, Status::PayloadTooLarge,
            QStringLiteral("request body of %1 bytes is over the limit of %2 bytes")
                .arg(request.body().size())
                .arg(kMaxBodyBytes));
        return false;
    }
    m_principal = principal;
    return true;
}

const DeviceOverview *HttpApi::deviceOr404(const QString &uuid, QHttpServerResponder &responder)
{
    const DeviceOverview *device = m_cache->find(uuid);
    if (!device)
        replyError(responder, Status::NotFound, QStringLiteral("no device with uuid %1").arg(uuid));
    return device;
}

qint64 HttpApi::databaseId(const QString &uuid)
{
    const DeviceOverview *cached = m_cache->find(uuid);
    if (cached && cached->id > 0)
        return cached->id;
    // A device first seen since start gets its row id when the writer stores it.
    QString error;
    const std::optional<DeviceOverview> stored = m_reader->device(uuid, &error);
    if (!stored)
        return 0;
    m_cache->setDatabaseId(uuid, stored->id);
    return stored->id;
}

void HttpApi::setLabels(const QString &uuid, const QMap<QString, QString> &labels)
{
    if (!m_cache)
        return;
    m_cache->setLabels(uuid, labels);
    if (m_push)
        m_push->devicesChanged({uuid});
}

void HttpApi::listDevices(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const QString search
        = request.query().queryItemValue(QStringLiteral("search"), QUrl::FullyDecoded).trimmed();
    // ?label=location:lab (or location=lab), repeated: every one must match.
    QList<std::pair<QString, QString>> wanted;
    for (const QString &label :
        request.query().allQueryItemValues(QStringLiteral("label"), QUrl::FullyDecoded)) {
        // At the first ':' or '=': a label's name has neither, its value may.
        static const QRegularExpression separator(QStringLiteral("[:=]"));
        const qsizetype at = label.indexOf(separator);
        if (at <= 0)
            return replyError(responder, Status::BadRequest,
                QStringLiteral("label is name:value, not \"%1\"").arg(label));
        wanted.append({label.left(at).trimmed(), label.mid(at + 1).trimmed()});
    }
    if (!wanted.isEmpty()) {
        std::vector<const DeviceOverview *> matching;
        for (const DeviceOverview *device : m_cache->search(search)) {
            const bool all = std::all_of(wanted.cbegin(), wanted.cend(), [&](const auto &pair) {
                const auto it = device->labels.constFind(pair.first);
                return it != device->labels.cend() && *it == pair.second;
            });
            if (all)
                matching.push_back(device);
        }
        return replyJson(
            responder, DeviceCache::toJson(matching, m_cache->offlineAfterSeconds(), now()));
    }
    if (search.isEmpty()) {
        const std::shared_ptr<const DeviceListBody::Body> body = m_list->current(now());
        if (!body->gzip.isEmpty() && Gzip::accepted(header(request, "Accept-Encoding"))) {
            return reply(responder, Status::Ok, "application/json", body->gzip,
                {{"Content-Encoding", "gzip"}, {"Vary", "Accept-Encoding"},
                    {"Cache-Control", "no-store"}});
        }
        return reply(responder, Status::Ok, "application/json", body->json,
            {{"Vary", "Accept-Encoding"}, {"Cache-Control", "no-store"}});
    }
    replyJson(responder,
        DeviceCache::toJson(m_cache->search(search), m_cache->offlineAfterSeconds(), now()));
}

void HttpApi::getDevice(QHttpServerResponder &responder, const QString &uuid)
{
    const DeviceOverview *device = deviceOr404(uuid, responder);
    if (!device)
        return;
    QJsonObject body = ApiJson::device(*device, m_cache->isOnline(*device, now()));
    // From the database, not the cache: one index seek, for this one device.
    QString error;
    const std::optional<HardwareRow> hardware = m_reader->latestHardware(uuid, &error);
    // The device itself is the cache's: a database that cannot answer
    // costs the hardware part only (null, and a log line).
    if (!hardware && !error.isEmpty())
        qCWarning(lcHttp, "hardware of %s: %s", qPrintable(uuid), qPrintable(error));
    body.insert(QStringLiteral("hardware"),
        hardware ? QJsonValue(ApiJson::hardware(hardware->hardware, hardware->ts))
                 : QJsonValue(QJsonValue::Null));
    replyJson(responder, QJsonDocument(body).toJson(QJsonDocument::Compact));
}

void HttpApi::hardwareMetrics(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &uuid)
{
    if (!deviceOr404(uuid, responder))
        return;
    const QUrlQuery query = request.query();
    auto value = [&query](const char *key) {
        return query.queryItemValue(QLatin1String(key), QUrl::FullyDecoded);
    };
    std::optional<qint64> to = now() + 1;
    if (query.hasQueryItem(QStringLiteral("to")) && !(to = ApiJson::parseTime(value("to"))))
        return replyError(responder, Status::BadRequest,
            QStringLiteral("to must be an ISO 8601 time or milliseconds since the epoch"));
    std::optional<qint64> from = std::max(*to, kDayMs) - kDayMs;
    if (query.hasQueryItem(QStringLiteral("from")) && !(from = ApiJson::parseTime(value("from"))))
        return replyError(responder, Status::BadRequest,
            QStringLiteral("from must be an ISO 8601 time or milliseconds since the epoch"));
    // Reports are from 2000 to 2100 (the codec's window): wider bounds
    // read nothing more, and would overflow the slices of points=N.
    constexpr qint64 kEarliest = 946684800000LL;
    constexpr qint64 kLatest = 4102444800000LL;
    *from = std::clamp(*from, kEarliest, kLatest);
    *to = std::clamp(*to, kEarliest, kLatest);
    if (*from >= *to)
        return replyError(responder, Status::BadRequest, QStringLiteral("from must be before to"));
    int limit = kDefaultHardwareItems;
    if (query.hasQueryItem(QStringLiteral("limit"))) {
        bool ok = false;
        limit = value("limit").toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxHardwareItems)
            return replyError(responder, Status::BadRequest,
                QStringLiteral("limit must be a whole number from 1 to %1").arg(kMaxHardwareItems));
    }
    // points=N: N rows spread over the whole range, for a chart (no paging).
    bool spread = false;
    if (query.hasQueryItem(QStringLiteral("points"))) {
        bool ok = false;
        limit = value("points").toInt(&ok);
        if (!ok || limit < 1 || limit > kMaxHardwareItems)
            return replyError(responder, Status::BadRequest,
                QStringLiteral("points must be a whole number from 1 to %1")
                    .arg(kMaxHardwareItems));
        spread = true;
    }
    QString error;
    const std::optional<HardwareHistory> history
        = m_reader->hardwareHistory(uuid, *from, *to, limit, &error, spread);
    if (!history) {
        qCWarning(lcHttp, "hardware history of %s: %s", qPrintable(uuid), qPrintable(error));
        return replyError(responder, Status::InternalServerError,
            QStringLiteral("database error: %1").arg(error));
    }
    QJsonArray items;
    for (const HardwareRow &row : history->rows)
        items.append(ApiJson::hardware(row.hardware, row.ts));
    // Keyset paging: a full page names where the next one starts (its
    // `from`); rows left out as undecodable count towards the page.
    QJsonValue next(QJsonValue::Null);
    if (!spread && history->read >= limit)
        next = ApiJson::time(history->lastTs + 1);
    replyJson(responder,
        QJsonDocument(
            QJsonObject {{QStringLiteral("uuid"), uuid},
                {QStringLiteral("from"), ApiJson::time(*from)},
                {QStringLiteral("to"), ApiJson::time(*to)}, {QStringLiteral("limit"), limit},
                {QStringLiteral("items"), items}, {QStringLiteral("skipped"), history->skipped},
                {QStringLiteral("next"), next}})
            .toJson(QJsonDocument::Compact));
}

void HttpApi::postDevice(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    QString error;
    std::optional<AcceptedReport> report = ReportParser(now()).parseDevice(request.body(), &error);
    if (!report)
        return replyError(responder, Status::BadRequest, error);
    const QString deviceId = QString::fromStdString(report->report.deviceId);
    bool existed = false;
    for (const DeviceOverview *device : m_cache->search(deviceId))
        existed = existed || device->device.deviceId == deviceId;
    const bool withMetrics = report->hasSystem || !report->report.interfaces.empty();
    report->device = m_submit(
        *report, withMetrics ? DeviceRegistry::Source::Http : DeviceRegistry::Source::Registration);
    m_cache->updateDevices({report->device});
    if (withMetrics)
        m_cache->updateReports({*report});
    m_push->devicesChanged({report->device.uuid});
    const DeviceOverview *device = m_cache->find(report->device.uuid);
    qCInfo(lcHttp, "device %s (%s) %s over HTTP", qPrintable(deviceId),
        qPrintable(report->device.uuid), existed ? "updated" : "created");
    replyJson(responder,
        QJsonDocument(ApiJson::device(*device, m_cache->isOnline(*device, now())))
            .toJson(QJsonDocument::Compact),
        existed ? Status::Ok : Status::Created);
}

void HttpApi::postMetrics(const QHttpServerRequest &request, QHttpServerResponder &responder,
    const QString &uuid, bool system)
{
    const DeviceOverview *device = deviceOr404(uuid, responder);
    if (!device)
        return;
    QString error;
    const ReportParser parser(now());
    std::optional<AcceptedReport> report = system
        ? parser.parseSystem(request.body(), device->device.deviceId, &error)
        : parser.parseNetwork(request.body(), device->device.deviceId, &error);
    if (!report)
        return replyError(responder, Status::BadRequest, error);
    report->device = m_submit(*report, DeviceRegistry::Source::Http);
    m_cache->updateDevices({report->device});
    m_cache->updateReports({*report});
    m_push->devicesChanged({uuid});
    device = m_cache->find(uuid);
    replyJson(responder,
        QJsonDocument(ApiJson::device(*device, m_cache->isOnline(*device, now())))
            .toJson(QJsonDocument::Compact),
        Status::Created);
}

void HttpApi::changeDevice(const QHttpServerRequest &request, QHttpServerResponder &responder,
    const QString &uuid, DeviceChange::Kind kind)
{
    if (!deviceOr404(uuid, responder))
        return;
    QString error;
    std::optional<DeviceChange> change;
    switch (kind) {
    case DeviceChange::Kind::Rename:
        change = DeviceChangeParser::rename(uuid, request.body(), &error);
        break;
    case DeviceChange::Kind::Delete:
        change = DeviceChange();
        change->kind = kind;
        change->uuid = uuid;
        break;
    case DeviceChange::Kind::Merge:
        change = DeviceChangeParser::merge(uuid, request.body(), &error);
        if (change && change->from == uuid)
            return replyError(responder, Status::BadRequest,
                QStringLiteral("a device cannot be merged into itself"));
        if (change && !deviceOr404(change->from, responder))
            return;
        break;
    }
    if (!change)
        return replyError(responder, Status::BadRequest, error);
    if (!m_changeDevice)
        return replyError(responder, Status::ServiceUnavailable,
            QStringLiteral("devices cannot be changed in this console"));
    // The writer answers later, on this thread. The responder waits for it;
    // it writes nothing if the client has gone meanwhile (its socket with it).
    auto pending = std::make_shared<QHttpServerResponder>(std::move(responder));
    const QPointer<QTcpSocket> socket = pending->socket();
    // Recorded with what the writer did, whether or not the client waited.
    m_changeDevice(*change, this,
        [this, pending, socket, audit = takeAudit()](const DeviceChangeResult &result) {
            applyDeviceChange(result);
            m_audit = audit;
            if (socket && socket->state() == QAbstractSocket::ConnectedState)
                answerChange(*pending, result);
            finishAudit(takeAudit(), changeStatus(result));
        });
}

void HttpApi::forwardToAlerts(
    const QHttpServerRequest &request, QHttpServerResponder &responder, QStringList path)
{
    if (path.value(0) == QLatin1String("devices") && !deviceOr404(path.value(1), responder))
        return;
    if (!m_alertCall)
        return replyError(responder, Status::ServiceUnavailable,
            QStringLiteral("alerting is not running in this console"));
    AlertRequest alert;
    alert.method = methodName(int(request.method()));
    alert.path = path;
    alert.query = QUrlQuery(request.url());
    alert.body = request.body();
    alert.user = m_principal.actor();
    auto pending = std::make_shared<QHttpServerResponder>(std::move(responder));
    const QPointer<QTcpSocket> socket = pending->socket();
    m_alertCall(
        alert, this, [this, pending, socket, audit = takeAudit()](const AlertReply &answer) {
            // Recorded with what alerting did, whether or not the client waited.
            finishAudit(audit, answer.status);
            if (!socket || socket->state() != QAbstractSocket::ConnectedState)
                return;
            if (answer.status == 204)
                return replyEmpty(*pending, Status::NoContent);
            replyJson(*pending, answer.json, Status(answer.status));
        });
}

void HttpApi::pushAlerts(const QJsonArray &alerts)
{
    if (!m_push)
        return;
    for (const QJsonValue &alert : alerts)
        m_push->alertChanged(alert.toObject());
}

void HttpApi::answerChange(QHttpServerResponder &responder, const DeviceChangeResult &result)
{
    switch (result.status) {
    case DeviceChangeResult::Status::NotFound:
        return replyError(responder, Status::NotFound, result.error);
    case DeviceChangeResult::Status::Refused:
        return replyError(responder, Status::BadRequest, result.error);
    case DeviceChangeResult::Status::Failed:
        qCWarning(lcHttp, "device change failed: %s", qPrintable(result.error));
        return replyError(responder, Status::InternalServerError, result.error);
    case DeviceChangeResult::Status::Done:
        break;
    }
    const DeviceChange &change = result.change;
    switch (change.kind) {
    case DeviceChange::Kind::Rename:
        qCInfo(lcHttp, "device %s renamed over HTTP", qPrintable(change.uuid));
        break;
    case DeviceChange::Kind::Delete:
        qCInfo(lcHttp, "device %s deleted over HTTP", qPrintable(change.uuid));
        return replyEmpty(responder, Status::NoContent);
    case DeviceChange::Kind::Merge:
        qCInfo(lcHttp, "device %s merged into %s over HTTP", qPrintable(change.from),
            qPrintable(change.uuid));
        break;
    }
    const DeviceOverview *device = m_cache->find(change.uuid);
    if (!device)
        return replyError(
            responder, Status::NotFound, QStringLiteral("no device with uuid %1").arg(change.uuid));
    replyJson(responder,
        QJsonDocument(ApiJson::device(*device, m_cache->isOnline(*device, now())))
            .toJson(QJsonDocument::Compact));
}

void HttpApi::history(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QString &uuid)
{
    if (!deviceOr404(uuid, responder))
        return;
    const QUrlQuery query = request.query();
    auto value = [&query](const char *key) {
        return query.queryItemValue(QLatin1String(key), QUrl::FullyDecoded);
    };
    const QString metric = query.hasQueryItem(QStringLiteral("metric"))
        ? value("metric")
        : QStringLiteral("cpu_percent");
    if (!StoreReader::systemMetrics().contains(metric)) {
        return replyError(responder, Status::BadRequest,
            QStringLiteral("unknown metric '%1'; one of: %2")
                .arg(metric, StoreReader::systemMetrics().join(QStringLiteral(", "))));
    }
    std::optional<qint64> to = now() + 1;
    if (query.hasQueryItem(QStringLiteral("to")) && !(to = ApiJson::parseTime(value("to"))))
        return replyError(responder, Status::BadRequest,
            QStringLiteral("to must be an ISO 8601 time or milliseconds since the epoch"));
    std::optional<qint64> from = *to - kDayMs;
    if (query.hasQueryItem(QStringLiteral("from")) && !(from = ApiJson::parseTime(value("from"))))
        return replyError(responder, Status::BadRequest,
            QStringLiteral("from must be an ISO 8601 time or milliseconds since the epoch"));
    if (*from >= *to)
        return replyError(responder, Status::BadRequest, QStringLiteral("from must be before to"));
    int points = kDefaultPoints;
    if (query.hasQueryItem(QStringLiteral("points"))) {
        bool ok = false;
        points = value("points").toInt(&ok);
        if (!ok || points < 1 || points > kMaxPoints)
            return replyError(responder, Status::BadRequest,
                QStringLiteral("points must be a whole number from 1 to %1").arg(kMaxPoints));
    }
    // Written by hand: a thousand buckets through QJsonObject took longer than
    // the query. The uuid is a known one (checked above) and needs no escaping.
    // "resolution" names the tier that answered: raw, or minute for buckets
    // of a minute or more and for ranges older than the raw history kept.
    QString resolution = QStringLiteral("raw");
    QByteArray list;
    if (const qint64 id = databaseId(uuid)) {
        QString error;
        const std::optional<QList<HistoryBucket>> buckets
            = m_reader->history(id, metric, *from, *to, points, &error, &resolution);
        if (!buckets) {
            qCWarning(lcHttp, "history of %s: %s", qPrintable(uuid), qPrintable(error));
            return replyError(responder, Status::InternalServerError,
                QStringLiteral("database error: %1").arg(error));
        }
        list.reserve(buckets->size() * 140);
        for (const HistoryBucket &bucket : *buckets) {
            if (!list.isEmpty())
                list += ',';
            list += "{\"start\":\"" + ApiJson::timeLatin1(bucket.firstTs) + "\",\"end\":\""
                + ApiJson::timeLatin1(bucket.lastTs) + "\",\"min\":" + ApiJson::number(bucket.min)
                + ",\"max\":" + ApiJson::number(bucket.max)
                + ",\"avg\":" + ApiJson::number(bucket.avg)
                + ",\"count\":" + QByteArray::number(bucket.count) + '}';
        }
    }
    const QByteArray body = "{\"uuid\":\"" + uuid.toLatin1() + "\",\"metric\":\""
        + metric.toLatin1() + "\",\"from\":\"" + ApiJson::timeLatin1(*from) + "\",\"to\":\""
        + ApiJson::timeLatin1(*to) + "\",\"resolution\":\"" + resolution.toLatin1()
        + "\",\"points\":[" + list + "]}";
    replyJson(responder, body);
}

void HttpApi::exportRows(const QHttpServerRequest &request, QHttpServerResponder &responder,
    const QString &uuid, bool csv)
{
    const DeviceOverview *device = deviceOr404(uuid, responder);
    if (!device)
        return;
    const QUrlQuery query = request.query();
    auto value = [&query](const char *key) {
        return query.queryItemValue(QLatin1String(key), QUrl::FullyDecoded);
    };
    MetricsExport::Request exportRequest;
    exportRequest.uuid = uuid;
    exportRequest.deviceId = device->device.deviceId;
    exportRequest.hostname = device->device.hostname;
    exportRequest.format = csv ? MetricsExport::Format::Csv : MetricsExport::Format::Json;
    const QString table
        = query.hasQueryItem(QStringLiteral("table")) ? value("table") : QStringLiteral("system");
    if (table == QLatin1String("network"))
        exportRequest.table = MetricsExport::Table::Network;
    else if (table == QLatin1String("hardware"))
        exportRequest.table = MetricsExport::Table::Hardware;
    else if (table != QLatin1String("system"))
        return replyError(responder, Status::BadRequest,
            QStringLiteral("table must be system, network or hardware, not '%1'").arg(table));
    std::optional<qint64> from = 0;
    std::optional<qint64> to = std::numeric_limits<qint64>::max();
    if (query.hasQueryItem(QStringLiteral("from")) && !(from = ApiJson::parseTime(value("from"))))
        return replyError(responder, Status::BadRequest,
            QStringLiteral("from must be an ISO 8601 time or milliseconds since the epoch"));
    if (query.hasQueryItem(QStringLiteral("to")) && !(to = ApiJson::parseTime(value("to"))))
        return replyError(responder, Status::BadRequest,
            QStringLiteral("to must be an ISO 8601 time or milliseconds since the epoch"));
    if (*from >= *to)
        return replyError(responder, Status::BadRequest, QStringLiteral("from must be before to"));
    exportRequest.fromMs = *from;
    exportRequest.toMs = *to;
    exportRequest.id = databaseId(uuid);
    // raw (every report, the default), minute, hour, or auto: the finest
    // tier that still holds the range's start (older raw history is gone
    // after --keep-raw days). X-Resolution says which.
    const QString resolution = query.hasQueryItem(QStringLiteral("resolution"))
        ? value("resolution")
        : QStringLiteral("raw");
    if (resolution == QLatin1String("minute")) {
        exportRequest.tier = Tier::Minute;
    } else if (resolution == QLatin1String("hour")) {
        exportRequest.tier = Tier::Hour;
    } else if (resolution == QLatin1String("auto")) {
        QString error;
        const std::optional<Tier> tier = exportRequest.id == 0
            ? std::optional<Tier>(Tier::Raw)
            : m_reader->coveringTier(exportRequest.id, *from, Tier::Raw, &error);
        if (!tier) {
            return replyError(responder, Status::InternalServerError,
                QStringLiteral("database error: %1").arg(error));
        }
        exportRequest.tier = *tier;
    } else if (resolution != QLatin1String("raw")) {
        return replyError(responder, Status::BadRequest,
            QStringLiteral("resolution must be raw, minute, hour or auto, not '%1'")
                .arg(resolution.left(40)));
    }
    // Hardware is kept as it came, without rollups: auto is raw.
    if (exportRequest.table == MetricsExport::Table::Hardware) {
        if (resolution != QLatin1String("raw") && resolution != QLatin1String("auto"))
            return replyError(responder, Status::BadRequest,
                QStringLiteral("the hardware table has raw rows only (resolution=raw or auto)"));
        exportRequest.tier = Tier::Raw;
    }
    if (exportRequest.id == 0) // not stored yet: an empty export
        exportRequest.toMs = exportRequest.fromMs + 1;
    ++m_responses[200];
    auto *stream = new MetricsExport(exportRequest, m_reader.get(), std::move(responder), this);
    stream->start();
}

namespace {

// Each tier's size and span: {"raw": {"rows", "bytes", "oldest", "newest"}, ...}.
QJsonObject tiersJson(const StoreStats &sizes)
{
    QJsonObject tiers;
    for (const StoreStats::Part &tier : sizes.tiers) {
        const bool empty = tier.rows == 0;
        tiers.insert(tier.name,
            QJsonObject {{QStringLiteral("rows"), double(tier.rows)},
                {QStringLiteral("bytes"), double(tier.bytes)},
                {QStringLiteral("oldest"),
                    empty ? QJsonValue() : QJsonValue(ApiJson::time(tier.oldestTs))},
                {QStringLiteral("newest"),
                    empty ? QJsonValue() : QJsonValue(ApiJson::time(tier.newestTs))}});
    }
    return tiers;
}

// A device's identity and its labels, for its samples on /metrics. A label
// whose name is one of ours (or of Prometheus's) keeps its value under
// "label_<name>"; of two that come out the same, the first is kept.
PrometheusText::LabelList prometheusLabels(const DeviceOverview &d)
{
    PrometheusText::LabelList labels {
        {"uuid", d.device.uuid}, {"device_id", d.device.deviceId}, {"hostname", d.device.hostname}};
    const auto taken = [&labels](const QByteArray &name) {
        return name == "interface" || name == "job" || name == "instance"
            || std::any_of(labels.cbegin(), labels.cend(),
                [&name](const auto &label) { return label.first == name; });
    };
    for (auto it = d.labels.cbegin(); it != d.labels.cend(); ++it) {
        QByteArray name = PrometheusText::labelName(it.key());
        if (name.isEmpty())
            continue;
        if (taken(name))
            name.prepend("label_");
        if (!taken(name))
            labels.emplace_back(name, it.value());
    }
    return labels;
}

} // namespace

void HttpApi::stats(QHttpServerResponder &responder)
{
    const IngestCounters &c = *m_counters;
    QJsonObject reasons;
    for (int i = 0; i < int(Rejection::Count); ++i)
        reasons.insert(rejectionName(Rejection(i)), double(c.rejected[std::size_t(i)].load()));
    int online = 0;
    const qint64 t = now();
    for (const DeviceOverview *device : m_cache->search(QString()))
        online += m_cache->isOnline(*device, t) ? 1 : 0;
    QString error;
    const std::optional<StoreStats> sizes = m_reader->sizes(&error);
    replyJson(responder,
        QJsonDocument(QJsonObject {
                          {QStringLiteral("received"), double(c.received.load())},
                          {QStringLiteral("accepted"), double(c.accepted.load())},
                          {QStringLiteral("rejected"), double(c.rejectedTotal())},
                          {QStringLiteral("rejected_by_reason"), reasons},
                          {QStringLiteral("persisted"), double(c.persisted.load())},
                          {QStringLiteral("dropped"), double(c.dropped.load())},
                          {QStringLiteral("write_errors"), double(c.writeErrors.load())},
                          {QStringLiteral("facts_unknown"), double(c.factsUnknown.load())},
                          {QStringLiteral("queued"), double(m_queued ? m_queued() : 0)},
                          {QStringLiteral("devices"), m_cache->size()},
                          {QStringLiteral("devices_online"), online},
                          {QStringLiteral("store_healthy"), m_storeHealthy},
                          {QStringLiteral("websocket_clients"), m_push->clientCount()},
                          {QStringLiteral("database_bytes"),
                              sizes ? QJsonValue(double(sizes->fileBytes)) : QJsonValue()},
                          {QStringLiteral("database_free_bytes"),
                              sizes ? QJsonValue(double(sizes->freeBytes)) : QJsonValue()},
                          {QStringLiteral("tiers"), sizes ? tiersJson(*sizes) : QJsonValue()},
                          {QStringLiteral("disk_budget_deletions"), double(m_budgetDeletions)},
                      })
            .toJson(QJsonDocument::Compact));
}

void HttpApi::health(QHttpServerResponder &responder)
{
    QString error;
    if (!m_reader->deviceCount(&error)) {
        QJsonObject body {{QStringLiteral("status"), QStringLiteral("error")},
            {QStringLiteral("database"), QStringLiteral("unreachable")},
            {QStringLiteral("error"), error}, {QStringLiteral("store_healthy"), m_storeHealthy}};
        // The writer's side too: what it does with the reports meanwhile.
        if (!m_storeHealthy)
            body.insert(QStringLiteral("store_error"), m_storeError);
        return replyJson(responder, QJsonDocument(body).toJson(QJsonDocument::Compact),
            Status::ServiceUnavailable);
    }
    // Readable but not writable (disk full, read-only file, locked): reports
    // pile up in the queue, so a load balancer or a watchdog should know.
    QJsonObject body {
        {QStringLiteral("status"), m_storeHealthy ? QStringLiteral("ok") : QStringLiteral("error")},
        {QStringLiteral("database"), QStringLiteral("ok")},
        {QStringLiteral("store_healthy"), m_storeHealthy}};
    if (!m_storeHealthy)
        body.insert(QStringLiteral("store_error"), m_storeError);
    // Not an error (the budget does its job), but what an operator must know:
    // history is being deleted to stay within --max-db-size.
    if (m_budgetDeletions > 0) {
        body.insert(QStringLiteral("disk_budget"),
            QJsonObject {{QStringLiteral("deletions"), double(m_budgetDeletions)},
                {QStringLiteral("last_deletion"), m_lastBudgetDeletion},
                {QStringLiteral("last_deletion_at"), ApiJson::time(m_lastBudgetDeletionAt)}});
    }
    replyJson(responder, QJsonDocument(body).toJson(QJsonDocument::Compact),
        m_storeHealthy ? Status::Ok : Status::ServiceUnavailable);
}

void HttpApi::metrics(QHttpServerResponder &responder)
{
    const IngestCounters &c = *m_counters;
    PrometheusText page;
    page.family("dmr_reports_received_total", "counter", "Reports received (datagrams and HTTP).");
    page.sample("dmr_reports_received_total", double(c.received.load()));
    page.family("dmr_reports_accepted_total", "counter", "Reports that passed validation.");
    page.sample("dmr_reports_accepted_total", double(c.accepted.load()));
    page.family("dmr_reports_rejected_total", "counter", "Reports refused, by reason.");
    for (int i = 0; i < int(Rejection::Count); ++i)
        page.sample("dmr_reports_rejected_total", {{"reason", rejectionName(Rejection(i))}},
            double(c.rejected[std::size_t(i)].load()));
    page.family("dmr_reports_persisted_total", "counter", "Reports written to the database.");
    page.sample("dmr_reports_persisted_total", double(c.persisted.load()));
    page.family(
        "dmr_reports_dropped_total", "counter", "Accepted reports dropped on queue overflow.");
    page.sample("dmr_reports_dropped_total", double(c.dropped.load()));
    page.family("dmr_store_write_errors_total", "counter", "Failed database transactions.");
    page.sample("dmr_store_write_errors_total", double(c.writeErrors.load()));
    page.family("dmr_reports_facts_unknown_total", "counter",
        "Reports stored without temperatures and file systems: their facts hash was unknown.");
    page.sample("dmr_reports_facts_unknown_total", double(c.factsUnknown.load()));
    page.family("dmr_queue_reports", "gauge", "Reports waiting for the database writer.");
    page.sample("dmr_queue_reports", double(m_queued ? m_queued() : 0));
    page.family("dmr_store_healthy", "gauge", "1 while database writes succeed.");
    page.sample("dmr_store_healthy", m_storeHealthy ? 1 : 0);
    page.family("dmr_http_responses_total", "counter", "HTTP responses sent, by status code.");
    for (auto it = m_responses.cbegin(); it != m_responses.cend(); ++it)
        page.sample(
            "dmr_http_responses_total", {{"code", QString::number(it.key())}}, double(it.value()));
    page.family("dmr_logins_total", "counter",
        "Sign-ins to the web page, by result (ok, failed, rate_limited, busy).");
    for (const char *result : {"ok", "failed", "rate_limited", "busy"})
        page.sample("dmr_logins_total", {{"result", QString::fromLatin1(result)}},
            double(m_logins.value(QString::fromLatin1(result))));
    page.family("dmr_websocket_clients", "gauge", "Connected live-push clients.");
    page.sample("dmr_websocket_clients", m_push->clientCount());
    QString sizeError;
    if (const std::optional<StoreStats> sizes = m_reader->sizes(&sizeError)) {
        page.family("dmr_store_file_bytes", "gauge", "The database file and its WAL.");
        page.sample("dmr_store_file_bytes", double(sizes->fileBytes));
        page.family("dmr_store_free_bytes", "gauge", "Free pages inside the database file.");
        page.sample("dmr_store_free_bytes", double(sizes->freeBytes));
        page.family("dmr_store_tier_bytes", "gauge",
            "Bytes of each tier of history: its open rows' pages and its chunks.");
        for (const StoreStats::Part &tier : sizes->tiers)
            page.sample("dmr_store_tier_bytes", {{"tier", tier.name}}, double(tier.bytes));
        page.family("dmr_store_tier_rows", "gauge",
            "System rows of each tier (a report, a device-minute, a device-hour).");
        for (const StoreStats::Part &tier : sizes->tiers)
            page.sample("dmr_store_tier_rows", {{"tier", tier.name}}, double(tier.rows));
        page.family("dmr_store_tier_oldest_timestamp_seconds", "gauge",
            "Oldest sample each tier holds, seconds since the Unix epoch.");
        for (const StoreStats::Part &tier : sizes->tiers) {
            if (tier.rows > 0)
                page.sample("dmr_store_tier_oldest_timestamp_seconds", {{"tier", tier.name}},
                    double(tier.oldestTs) / 1000.0);
        }
        page.family("dmr_store_tier_newest_timestamp_seconds", "gauge",
            "Newest sample each tier holds, seconds since the Unix epoch.");
        for (const StoreStats::Part &tier : sizes->tiers) {
            if (tier.rows > 0)
                page.sample("dmr_store_tier_newest_timestamp_seconds", {{"tier", tier.name}},
                    double(tier.newestTs) / 1000.0);
        }
    }
    page.family("dmr_store_budget_deletions_total", "counter",
        "Steps in which the disk budget (--max-db-size) deleted the oldest history.");
    page.sample("dmr_store_budget_deletions_total", double(m_budgetDeletions));

    const qint64 t = now();
    const std::vector<const DeviceOverview *> devices = m_cache->search(QString());
    page.family("dmr_devices", "gauge", "Devices known.");
    page.sample("dmr_devices", double(devices.size()));

    struct Gauge
    {
        const char *name;
        const char *type;
        const char *help;
        std::function<double(const DeviceOverview &)> value;
        bool needsMetrics;
    };
    const std::vector<Gauge> gauges = {
        {"dmr_device_online", "gauge", "1 while the device reports in time.",
            [this, t](const DeviceOverview &d) { return m_cache->isOnline(d, t) ? 1.0 : 0.0; },
            false},
        {"dmr_device_last_seen_timestamp_seconds", "gauge",
            "Time of the last report, seconds since the Unix epoch.",
            [](const DeviceOverview &d) { return double(d.device.lastSeen) / 1000.0; }, false},
        {"dmr_device_reports_received_total", "counter", "Reports received from the device.",
            [](const DeviceOverview &d) { return double(d.device.reportsReceived); }, false},
        {"dmr_device_reports_lost_total", "counter", "Reports lost on the way (sequence gaps).",
            [](const DeviceOverview &d) { return double(d.device.reportsLost); }, false},
        {"dmr_device_cpu_usage_ratio", "gauge", "CPU busy, 0 to 1.",
            [](const DeviceOverview &d) { return ratio(d.system.cpuPercent); }, true},
        {"dmr_device_memory_usage_ratio", "gauge", "Memory used of the total, 0 to 1.",
            [](const DeviceOverview &d) { return ratio(d.system.memoryPercent()); }, true},
        {"dmr_device_memory_used_bytes", "gauge", "Memory used (total less available).",
            [](const DeviceOverview &d) { return bytes(d.system.memoryUsedKb); }, true},
        {"dmr_device_memory_size_bytes", "gauge", "Memory total.",
            [](const DeviceOverview &d) { return bytes(d.system.memoryTotalKb); }, true},
        {"dmr_device_disk_usage_ratio", "gauge",
            "Disk used of used + available, 0 to 1 (df's Use%).",
            [](const DeviceOverview &d) { return ratio(d.system.diskPercent()); }, true},
        {"dmr_device_disk_used_bytes", "gauge", "Disk used (size less free).",
            [](const DeviceOverview &d) { return bytes(d.system.diskUsedKb); }, true},
        {"dmr_device_disk_size_bytes", "gauge", "Size of the disk's file system (df's Size).",
            [](const DeviceOverview &d) { return bytes(d.system.diskTotalKb); }, true},
        {"dmr_device_disk_available_bytes", "gauge",
            "Disk space unprivileged users can still write (df's Avail).",
            [](const DeviceOverview &d) { return bytes(d.system.diskAvailableKb); }, true},
        {"dmr_device_load1", "gauge", "Load average, 1 minute.",
            [](const DeviceOverview &d) { return d.system.load1; }, true},
        {"dmr_device_load5", "gauge", "Load average, 5 minutes.",
            [](const DeviceOverview &d) { return d.system.load5; }, true},
        {"dmr_device_load15", "gauge", "Load average, 15 minutes.",
            [](const DeviceOverview &d) { return d.system.load15; }, true},
        {"dmr_device_uptime_seconds", "gauge", "Time since the device booted.",
            [](const DeviceOverview &d) { return double(d.system.uptimeSeconds); }, true},
    };
    // Each device's labels ride on its samples as Prometheus labels, so that
    // a query can select and group by them (sum by (location) (...)).
    std::vector<PrometheusText::LabelList> deviceLabels;
    deviceLabels.reserve(devices.size());
    for (const DeviceOverview *d : devices)
        deviceLabels.push_back(prometheusLabels(*d));
    for (const Gauge &gauge : gauges) {
        page.family(gauge.name, gauge.type, gauge.help);
        for (std::size_t i = 0; i < devices.size(); ++i) {
            const DeviceOverview *d = devices[i];
            if (gauge.needsMetrics && d->latestTs == 0)
                continue;
            page.sample(gauge.name, deviceLabels[i], gauge.value(*d));
        }
    }
    using Counter = std::uint64_t dmr::InterfaceSample::*;
    const std::vector<std::tuple<const char *, const char *, Counter>> counters = {
        {"dmr_device_network_rx_bytes_total", "Bytes received.", &dmr::InterfaceSample::rxBytes},
        {"dmr_device_network_tx_bytes_total", "Bytes sent.", &dmr::InterfaceSample::txBytes},
        {"dmr_device_network_rx_packets_total", "Packets received.",
            &dmr::InterfaceSample::rxPackets},
        {"dmr_device_network_tx_packets_total", "Packets sent.", &dmr::InterfaceSample::txPackets},
    };
    for (const auto &[name, help, member] : counters) {
        page.family(name, "counter", help);
        for (std::size_t i = 0; i < devices.size(); ++i) {
            for (const dmr::InterfaceSample &sample : devices[i]->interfaces) {
                PrometheusText::LabelList labels = deviceLabels[i];
                labels.emplace_back("interface", QString::fromStdString(sample.name));
                page.sample(name, labels, double(sample.*member));
            }
        }
    }
    reply(responder, Status::Ok, "text/plain; version=0.0.4; charset=utf-8", page.text());
}

void HttpApi::staticFile(QHttpServerResponder &responder, const QString &resource)
{
    QFile file(resource);
    if (!file.open(QIODevice::ReadOnly))
        return replyError(
            responder, Status::NotFound, QStringLiteral("no such file: %1").arg(resource.mid(6)));
    reply(responder, Status::Ok, contentTypeOf(resource), file.readAll(),
        {{"Cache-Control", "no-cache"}});
}

} // namespace dmr::console

namespace dmr::console {

QByteArray HttpApi::sessionCookie(const QByteArray &value, qint64 maxAgeSeconds) const
{
    // HttpOnly: no script reads it; SameSite=Strict: no other site's page
    // sends it; Secure: never over plain HTTP when there is HTTPS.
    QByteArray text = QByteArray(kSessionCookie) + '=' + value
        + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + QByteArray::number(maxAgeSeconds);
    if (m_tls)
        text += "; Secure";
    return text;
}

QJsonObject HttpApi::sessionJson(const std::optional<Principal> &principal) const
{
    QJsonObject json {
        {QStringLiteral("auth_required"), m_authRequired}, {QStringLiteral("tls"), m_tls}};
    if (!principal) {
        json.insert(QStringLiteral("user"), QJsonValue());
        json.insert(QStringLiteral("role"), QStringLiteral("viewer"));
        json.insert(QStringLiteral("csrf_token"), QJsonValue());
        json.insert(QStringLiteral("expires_at"), QJsonValue());
        return json;
    }
    json.insert(QStringLiteral("user"),
        QJsonObject {{QStringLiteral("name"), principal->actor()},
            {QStringLiteral("role"), roleName(principal->role)}});
    json.insert(QStringLiteral("role"), roleName(principal->role));
    const bool session = principal->kind == Principal::Kind::Session;
    json.insert(QStringLiteral("csrf_token"), session ? QJsonValue(principal->csrf) : QJsonValue());
    json.insert(QStringLiteral("expires_at"),
        session ? QJsonValue(ApiJson::time(principal->sessionExpiresAt)) : QJsonValue());
    return json;
}

void HttpApi::session(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const std::optional<std::optional<Principal>> who = authenticate(request, responder);
    if (!who)
        return;
    if (!*who && m_authRequired)
        return replyError(responder, Status::Unauthorized,
            QStringLiteral("not signed in; sign in at /login"), {{"WWW-Authenticate", "Bearer"}});
    if (*who && (*who)->kind == Principal::Kind::ScrapeToken)
        return replyError(responder, Status::Forbidden,
            QStringLiteral("the scrape token reads /metrics and nothing else"));
    replyJson(responder, QJsonDocument(sessionJson(*who)).toJson(QJsonDocument::Compact));
}

void HttpApi::login(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const QString address = request.remoteAddress().toString();
    // JSON only: a form on another site cannot send it without the
    // browser's permission (CORS), so no one is signed in behind their back.
    if (!header(request, "Content-Type").startsWith("application/json") || !sameOrigin(request))
        return replyError(responder, Status::UnsupportedMediaType,
            QStringLiteral("sign in with a JSON body {\"name\": ..., \"password\": ...} "
                           "(Content-Type: application/json), from this origin"));
    if (request.body().size() > 16 * 1024)
        return replyError(responder, Status::PayloadTooLarge, QStringLiteral("body too large"));
    const QJsonObject body = QJsonDocument::fromJson(request.body()).object();
    const QString name = body.value(QLatin1String("name")).toString().trimmed();
    const QString password = body.value(QLatin1String("password")).toString();
    if (name.isEmpty() || password.isEmpty())
        return replyError(
            responder, Status::BadRequest, QStringLiteral("give \"name\" and \"password\""));
    // For the log and the audit log: a name as typed may be anything (a
    // password in the wrong field, line breaks).
    const QString shown
        = AccountService::validName(name) ? name : QStringLiteral("(not a valid name)");
    if (const qint64 wait = m_limiter.retryAfterMs(address, name); wait > 0) {
        ++m_logins[QStringLiteral("rate_limited")];
        const qint64 seconds = (wait + 999) / 1000;
        // Logged and audited once a minute per address.
        if (firstThisMinute(QStringLiteral("login ") + address)) {
            qCWarning(lcHttp, "refused a login as %s from %s: too many failed logins (for %lld s)",
                qPrintable(shown), qPrintable(address), qlonglong(seconds));
            audit(QStringLiteral("login refused (rate limit)"), shown, address, 429, shown);
        }
        return replyError(responder, Status::TooManyRequests,
            QStringLiteral("too many failed logins from this address or for this user; try "
                           "again in %1 s")
                .arg(seconds),
            {{"Retry-After", QByteArray::number(seconds)}});
    }
    // Each check takes 64 MiB for a tenth of a second: a few wait, the rest
    // come back later.
    if (m_loginsInFlight >= 8) {
        ++m_logins[QStringLiteral("busy")];
        return replyError(responder, Status::ServiceUnavailable,
            QStringLiteral("too many logins at once; try again in a second"),
            {{"Retry-After", "1"}});
    }
    QString error;
    const auto user = m_accounts->user(name, &error);
    if (!user)
        return replyError(responder, Status::ServiceUnavailable,
            QStringLiteral("the accounts database cannot be read: %1").arg(error));
    ++m_loginsInFlight;
    // Counted as failed from now on: the checks in flight count against the
    // limits too, and a good password takes its failure back.
    m_limiter.failed(address, name);
    const QByteArray hash = *user ? (*user)->passwordHash : QByteArray();
    QFuture<bool> check = QtConcurrent::run(m_hashPool, [hash, password] {
        if (hash.isEmpty()) {
            Secret::verifyNothing(password); // the same time as a real user's
            return false;
        }
        return Secret::verifyPassword(hash, password);
    });
    auto pending = std::make_shared<QHttpServerResponder>(std::move(responder));
    const QPointer<QTcpSocket> socket = pending->socket();
    auto *watcher = new QFutureWatcher<bool>(this);
    const std::optional<AccountStore::User> found = *user;
    connect(watcher, &QFutureWatcher<bool>::finished, this,
        [this, watcher, pending, socket, found, name, shown, address] {
            watcher->deleteLater();
            --m_loginsInFlight;
            const bool ok = watcher->result() && found;
            if (!ok) {
                ++m_logins[QStringLiteral("failed")];
                qCWarning(
                    lcHttp, "failed login as %s from %s", qPrintable(shown), qPrintable(address));
                audit(QStringLiteral("login failed"), shown, address, 401, shown);
                if (socket && socket->state() == QAbstractSocket::ConnectedState)
                    replyError(
                        *pending, Status::Unauthorized, QStringLiteral("wrong name or password"));
                return;
            }
            m_limiter.succeeded(address, name);
            QString why;
            const std::optional<Authenticator::NewSession> session
                = m_auth->startSession(found->id, address, &why);
            if (!session) {
                qCWarning(
                    lcHttp, "cannot start a session for %s: %s", qPrintable(name), qPrintable(why));
                if (socket && socket->state() == QAbstractSocket::ConnectedState)
                    replyError(*pending, Status::ServiceUnavailable,
                        QStringLiteral("cannot start a session: %1").arg(why),
                        {{"Retry-After", "1"}});
                return;
            }
            ++m_logins[QStringLiteral("ok")];
            qCInfo(lcHttp, "%s signed in from %s", qPrintable(found->name), qPrintable(address));
            audit(QStringLiteral("login"), found->name, address, 200, found->name);
            Principal principal;
            principal.kind = Principal::Kind::Session;
            principal.name = found->name;
            principal.userId = found->id;
            principal.role = found->role;
            principal.csrf = QString::fromLatin1(session->csrf);
            principal.sessionExpiresAt = session->expiresAt;
            if (socket && socket->state() == QAbstractSocket::ConnectedState)
                reply(*pending, Status::Ok, "application/json",
                    QJsonDocument(sessionJson(principal)).toJson(QJsonDocument::Compact),
                    {{"Cache-Control", "no-store"},
                        {"Set-Cookie", sessionCookie(session->id, m_auth->sessionMs() / 1000)}});
        });
    watcher->setFuture(check);
}

void HttpApi::logout(const QHttpServerRequest &request, QHttpServerResponder &responder)
{
    const QByteArray id = cookie(request, kSessionCookie);
    const QList<QPair<QByteArray, QByteArray>> forget = {{"Set-Cookie", sessionCookie({}, 0)}};
    const Authenticator::Result who = m_auth->authenticate({}, id);
    if (!who.principal)
        return replyEmpty(responder, Status::NoContent, forget); // signed out already
    if (!csrfOk(request, *who.principal, responder))
        return;
    QString error;
    if (!m_auth->endSession(id, &error))
        return replyError(responder, Status::ServiceUnavailable,
            QStringLiteral("cannot end the session: %1").arg(error), {{"Retry-After", "1"}});
    qCInfo(lcHttp, "%s signed out", qPrintable(who.principal->name));
    audit(QStringLiteral("logout"), who.principal->name, request.remoteAddress().toString(), 204,
        who.principal->name);
    replyEmpty(responder, Status::NoContent, forget);
}

void HttpApi::accounts(
    const QHttpServerRequest &request, QHttpServerResponder &responder, const QStringList &path)
{
    AccountRequest call;
    call.method = methodName(int(request.method()));
    call.path = path;
    call.query = QUrlQuery(request.url());
    call.body = request.body();
    call.principal = m_principal;
    call.address = request.remoteAddress().toString();
    // Someone changing their own password sends the old one: a guess, held
    // to the sign-in limits like one.
    const bool guess = call.method == "PUT" && path.value(0) == QLatin1String("users")
        && !m_principal.may(Role::Admin);
    const QString name = path.value(1);
    if (guess) {
        if (const qint64 wait = m_limiter.retryAfterMs(call.address, name); wait > 0) {
            const qint64 seconds = (wait + 999) / 1000;
            return replyError(responder, Status::TooManyRequests,
                QStringLiteral("too many wrong passwords; try again in %1 s").arg(seconds),
                {{"Retry-After", QByteArray::number(seconds)}});
        }
    }
    const auto answered = [this, guess, name, address = call.address, write = call.method != "GET"](
                              QHttpServerResponder &r, const AccountReply &answer) {
        if (guess && answer.wrongPassword) {
            m_limiter.failed(address, name);
            ++m_logins[QStringLiteral("failed")];
        }
        if (write)
            m_auth->forget(); // a revoked token, a changed role: now, not in a moment
        if (answer.status == 204)
            return replyEmpty(r, Status::NoContent);
        replyJson(r, answer.json, Status(answer.status));
    };
    if (!m_accountCall)
        return answered(responder, m_accountService->handle(call));
    // On the accounts thread: a password hashed or a lock waited for there
    // holds up no other request.
    auto pending = std::make_shared<QHttpServerResponder>(std::move(responder));
    const QPointer<QTcpSocket> socket = pending->socket();
    m_accountCall(call, this, [pending, socket, answered](const AccountReply &answer) {
        if (socket && socket->state() == QAbstractSocket::ConnectedState)
            answered(*pending, answer);
    });
}

void HttpApi::audit(const QString &action, const QString &target, const QString &address,
    int status, const QString &actor)
{
    m_accountService->audit(actor, address, action, target, status);
}

std::optional<HttpApi::PendingAudit> HttpApi::takeAudit()
{
    std::optional<PendingAudit> audit = std::move(m_audit);
    m_audit.reset();
    return audit;
}

void HttpApi::finishAudit(const std::optional<PendingAudit> &entry, int status)
{
    if (entry)
        audit(entry->action, entry->target, entry->address, status, entry->actor);
}

} // namespace dmr::console
