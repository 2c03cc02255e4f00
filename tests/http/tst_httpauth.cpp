// SPDX-License-Identifier: MIT
// Accounts as a client meets them: a real console on 127.0.0.1 (port 0)
// that requires a user or a token for everything (as it does when exposed),
// real users and tokens in its SQLite file, and a real HTTP client. Every
// route and method against every kind of caller; CSRF; the session cookie;
// expiry and revocation; brute-force limits; no password in logs, answers
// or the database; the refusal to start exposed without credentials; and
// HTTPS with curl --cacert, the redirect and wss://.
#include "auth/AccountStore.h"
#include "auth/Secret.h"
#include "http/HttpApi.h"
#include "service/ConsoleService.h"
#include "store/Database.h"
#include "support/HttpJson.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMutex>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace dmr::console;

namespace {

const QByteArray kLegacyToken = "legacy-admin-token-0123";
const QByteArray kScrapeToken = "scrape-token-0123456789";
const QString kUnknownDevice = QStringLiteral("00000000-0000-0000-0000-000000000000");

using Response = HttpResponse;

// Everything logged while a test runs, to look for secrets in.
QMutex g_logMutex;
QStringList g_log;
QtMessageHandler g_previousHandler = nullptr;

void capture(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    {
        QMutexLocker lock(&g_logMutex);
        g_log.append(message);
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

QString logged()
{
    QMutexLocker lock(&g_logMutex);
    return g_log.join(QLatin1Char('\n'));
}

qint64 now()
{
    return QDateTime::currentMSecsSinceEpoch();
}

} // namespace

class TestHttpAuth : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void matrixCoversEveryRoute();
    void roleMatrix_data();
    void roleMatrix();
    void webSocketNeedsCredentials();
    void sessionCookieAndCsrf();
    void expiredSessionIsRefused();
    void tokenRoleIsCappedByItsOwner();
    void tokensMintNoTokens();
    void rawWebSocketWithoutCredentialsGetsNothing();
    void ownPasswordGuessesAreLimited();
    void passwordsNeverInLogsAnswersOrDatabase();
    void loginAttemptsAreLimited();
    void refusesToStartExposedWithoutCredentials();
    void httpsWithRedirectAndWss();

private:
    struct Call
    {
        QByteArray method;
        QString path;
        QByteArray body;
        QString need; // public, page, read, metrics, signed, report, operator, admin
    };
    static QList<Call> calls();
    Response request(const QByteArray &method, const QUrl &url, const QByteArray &body = {},
        const QList<QPair<QByteArray, QByteArray>> &headers = {});
    Response api(const QByteArray &method, const QString &path, const QByteArray &body = {},
        const QList<QPair<QByteArray, QByteArray>> &headers = {});
    // Signs in; the cookie's value and the CSRF token.
    std::pair<QByteArray, QByteArray> signIn(const QString &name, const QString &password);
    QString databasePath() const { return m_dir.filePath(QStringLiteral("metrics.db")); }

    QTemporaryDir m_dir;
    std::unique_ptr<ConsoleService> m_service;
    QNetworkAccessManager m_http;
    QSslConfiguration m_ssl = QSslConfiguration::defaultConfiguration();
    QHash<QString, QByteArray> m_tokens; // by kind of caller
    qint64 m_viewerId = 0;
};

void TestHttpAuth::initTestCase()
{
    g_previousHandler = qInstallMessageHandler(capture);
    QVERIFY(m_dir.isValid());
    // Users and tokens as `metrics-console users` would make them.
    {
        Database database(QStringLiteral("setup"));
        QString error;
        QVERIFY2(
            database.open(databasePath(), &error) && database.migrate(&error), qPrintable(error));
        AccountStore store(database.sql());
        QHash<QString, qint64> ids;
        for (const auto &[name, role] : {std::pair {"viewer", Role::Viewer},
                 std::pair {"operator", Role::Operator}, std::pair {"admin", Role::Admin}}) {
            const QString user = QString::fromLatin1(name);
            const std::optional<qint64> id = store.addUser(user,
                Secret::hashPassword(user + QStringLiteral("-pass-123456")), role, now(), &error);
            QVERIFY2(id, qPrintable(error));
            ids.insert(user, *id);
            const QByteArray token = Secret::randomToken("dmr_");
            QVERIFY(store.addToken(
                *id, QStringLiteral("test"), Secret::digest(token), role, now(), 0, &error));
            m_tokens.insert(user, token);
        }
        m_viewerId = ids.value(QStringLiteral("viewer"));
        const QByteArray expired = Secret::randomToken("dmr_");
        QVERIFY(store.addToken(ids.value(QStringLiteral("admin")), QStringLiteral("old"),
            Secret::digest(expired), Role::Admin, now() - 86400000, now() - 1000, &error));
        m_tokens.insert(QStringLiteral("expired"), expired);
        const QByteArray revoked = Secret::randomToken("dmr_");
        const std::optional<qint64> revokedId = store.addToken(ids.value(QStringLiteral("admin")),
            QStringLiteral("gone"), Secret::digest(revoked), Role::Admin, now(), 0, &error);
        QVERIFY(revokedId);
        QVERIFY(store.revokeToken(*revokedId, now(), &error));
        m_tokens.insert(QStringLiteral("revoked"), revoked);
        m_tokens.insert(QStringLiteral("bad"), Secret::randomToken("dmr_"));
        m_tokens.insert(QStringLiteral("legacy"), kLegacyToken);
        m_tokens.insert(QStringLiteral("scrape"), kScrapeToken);
    }
    ConsoleConfig config;
    config.headless = true;
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.authAlways = true; // as beyond loopback
    config.apiToken = QString::fromLatin1(kLegacyToken);
    config.scrapeToken = QString::fromLatin1(kScrapeToken);
    config.database = databasePath();
    config.statsIntervalSeconds = 0;
    config.flushIntervalMs = 20;
    m_service = std::make_unique<ConsoleService>(config);
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
    QVERIFY(m_service->httpPort() != 0);
}

void TestHttpAuth::cleanupTestCase()
{
    m_service.reset();
    qInstallMessageHandler(g_previousHandler);
}

Response TestHttpAuth::request(const QByteArray &method, const QUrl &url, const QByteArray &body,
    const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return sendHttp(m_http, method, url, body, headers, m_ssl);
}

Response TestHttpAuth::api(const QByteArray &method, const QString &path, const QByteArray &body,
    const QList<QPair<QByteArray, QByteArray>> &headers)
{
    return request(method,
        QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(m_service->httpPort()).arg(path)), body,
        headers);
}

std::pair<QByteArray, QByteArray> TestHttpAuth::signIn(const QString &name, const QString &password)
{
    const Response response = api("POST", QStringLiteral("/api/session/"),
        QJsonDocument(QJsonObject {{"name", name}, {"password", password}}).toJson());
    if (response.status != 200)
        return {};
    const QByteArray cookie = response.headers.value("set-cookie");
    const QByteArray value = cookie.mid(cookie.indexOf('=') + 1).split(';').first();
    return {value, response.json()[QStringLiteral("csrf_token")].toString().toLatin1()};
}

QList<TestHttpAuth::Call> TestHttpAuth::calls()
{
    const QString d = kUnknownDevice;
    return {
        {"GET", QStringLiteral("/"), {}, QStringLiteral("page")},
        {"GET", QStringLiteral("/device/%1/").arg(d), {}, QStringLiteral("page")},
        {"GET", QStringLiteral("/admin/"), {}, QStringLiteral("page")},
        {"GET", QStringLiteral("/login"), {}, QStringLiteral("public")},
        {"GET", QStringLiteral("/static/app.css"), {}, QStringLiteral("public")},
        {"GET", QStringLiteral("/healthz"), {}, QStringLiteral("public")},
        {"GET", QStringLiteral("/metrics"), {}, QStringLiteral("metrics")},
        // Public, but it answers who is signed in: 401 when no one is.
        {"GET", QStringLiteral("/api/session/"), {}, QStringLiteral("signed")},
        {"POST", QStringLiteral("/api/session/"), "{}", QStringLiteral("public")},
        {"DELETE", QStringLiteral("/api/session/"), {}, QStringLiteral("public")},
        {"GET", QStringLiteral("/api/users/"), {}, QStringLiteral("admin")},
        {"POST", QStringLiteral("/api/users/"), "{}", QStringLiteral("admin")},
        // Someone else: an admin's business.
        {"GET", QStringLiteral("/api/users/nobody/"), {}, QStringLiteral("admin")},
        {"PUT", QStringLiteral("/api/users/nobody/"), "{}", QStringLiteral("admin")},
        {"DELETE", QStringLiteral("/api/users/nobody/"), {}, QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/tokens/"), {}, QStringLiteral("signed")},
        // The callers here are tokens: below an admin's, a token makes and
        // revokes no tokens (a signed-in user does: sessionCookieAndCsrf).
        {"POST", QStringLiteral("/api/tokens/"), "{}", QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/tokens/999999/"), {}, QStringLiteral("signed")},
        {"DELETE", QStringLiteral("/api/tokens/999999/"), {}, QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/audit/"), {}, QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/stats/"), {}, QStringLiteral("read")},
        {"GET", QStringLiteral("/api/devices/"), {}, QStringLiteral("read")},
        {"POST", QStringLiteral("/api/devices/"), "{}", QStringLiteral("report")},
        {"GET", QStringLiteral("/api/devices/%1/").arg(d), {}, QStringLiteral("read")},
        {"PATCH", QStringLiteral("/api/devices/%1/").arg(d), "{}", QStringLiteral("admin")},
        {"DELETE", QStringLiteral("/api/devices/%1/").arg(d), {}, QStringLiteral("admin")},
        {"POST", QStringLiteral("/api/devices/%1/merge/").arg(d), "{}", QStringLiteral("admin")},
        {"POST", QStringLiteral("/api/devices/%1/system-metrics/").arg(d), "{}",
            QStringLiteral("report")},
        {"POST", QStringLiteral("/api/devices/%1/network-metrics/").arg(d), "{}",
            QStringLiteral("report")},
        {"GET", QStringLiteral("/api/devices/%1/history/").arg(d), {}, QStringLiteral("read")},
        {"GET", QStringLiteral("/api/devices/%1/hardware-metrics/").arg(d), {},
            QStringLiteral("read")},
        {"GET", QStringLiteral("/api/devices/%1/export.csv").arg(d), {}, QStringLiteral("read")},
        {"GET", QStringLiteral("/api/devices/%1/export.json").arg(d), {}, QStringLiteral("read")},
        {"GET", QStringLiteral("/api/devices/%1/presence/").arg(d), {}, QStringLiteral("read")},
        {"GET", QStringLiteral("/api/devices/%1/labels/").arg(d), {}, QStringLiteral("read")},
        {"PUT", QStringLiteral("/api/devices/%1/labels/").arg(d), "{}", QStringLiteral("operator")},
        {"PUT", QStringLiteral("/api/devices/%1/maintenance/").arg(d), "{}",
            QStringLiteral("operator")},
        {"GET", QStringLiteral("/api/rules/"), {}, QStringLiteral("read")},
        {"POST", QStringLiteral("/api/rules/"), "{}", QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/rules/999999/"), {}, QStringLiteral("read")},
        {"PUT", QStringLiteral("/api/rules/999999/"), "{}", QStringLiteral("admin")},
        {"DELETE", QStringLiteral("/api/rules/999999/"), {}, QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/alerts/"), {}, QStringLiteral("read")},
        {"GET", QStringLiteral("/api/alerts/999999/"), {}, QStringLiteral("read")},
        {"POST", QStringLiteral("/api/alerts/999999/ack/"), "{}", QStringLiteral("operator")},
        {"POST", QStringLiteral("/api/alerts/999999/silence/"), "{}", QStringLiteral("operator")},
        {"GET", QStringLiteral("/api/channels/"), {}, QStringLiteral("admin")},
        {"POST", QStringLiteral("/api/channels/"), "{}", QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/channels/999999/"), {}, QStringLiteral("admin")},
        {"PUT", QStringLiteral("/api/channels/999999/"), "{}", QStringLiteral("admin")},
        {"DELETE", QStringLiteral("/api/channels/999999/"), {}, QStringLiteral("admin")},
        {"POST", QStringLiteral("/api/channels/999999/test/"), "{}", QStringLiteral("admin")},
        {"GET", QStringLiteral("/api/notifications/"), {}, QStringLiteral("admin")},
    };
}

void TestHttpAuth::matrixCoversEveryRoute()
{
    // The API's own list of routes: a new one without a row here fails.
    const HttpApi listing({}, nullptr, {}, {}, {});
    const QList<Call> table = calls();
    for (const HttpApi::RouteInfo &route : listing.routes()) {
        const QRegularExpression pattern(QLatin1Char('^') + route.pattern + QLatin1Char('$'));
        const auto covering = std::find_if(table.cbegin(), table.cend(), [&](const Call &call) {
            return call.method == route.method && pattern.match(call.path).hasMatch();
        });
        QVERIFY2(covering != table.cend(),
            qPrintable(QStringLiteral("no row for %1 %2")
                           .arg(QString::fromLatin1(route.method), route.pattern)));
        // The table says what the route says (signed routes may ask more).
        if (route.access != QLatin1String("signed") && route.access != QLatin1String("public"))
            QCOMPARE(covering->need, route.access);
    }
}

void TestHttpAuth::roleMatrix_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("caller");
    QTest::addColumn<int>("expected"); // 0: allowed (neither 401, 403 nor 303)

    const QHash<QString, int> level
        = {{QStringLiteral("viewer"), 1}, {QStringLiteral("operator"), 2},
            {QStringLiteral("admin"), 3}, {QStringLiteral("legacy"), 3}};
    const QHash<QString, int> needed
        = {{QStringLiteral("page"), 1}, {QStringLiteral("read"), 1}, {QStringLiteral("metrics"), 1},
            {QStringLiteral("signed"), 1}, {QStringLiteral("report"), 2},
            {QStringLiteral("operator"), 2}, {QStringLiteral("admin"), 3}};
    const QStringList callers
        = {QStringLiteral("anonymous"), QStringLiteral("viewer"), QStringLiteral("operator"),
            QStringLiteral("admin"), QStringLiteral("bad"), QStringLiteral("expired"),
            QStringLiteral("revoked"), QStringLiteral("legacy"), QStringLiteral("scrape")};
    for (const Call &call : calls()) {
        for (const QString &caller : callers) {
            int expected = 0;
            if (call.need == QLatin1String("public"))
                expected = 0;
            else if (caller == QLatin1String("anonymous"))
                expected = call.need == QLatin1String("page") ? 303 : 401;
            else if (caller == QLatin1String("bad") || caller == QLatin1String("expired")
                || caller == QLatin1String("revoked"))
                expected = 401;
            else if (caller == QLatin1String("scrape"))
                expected = call.need == QLatin1String("metrics") ? 0 : 403;
            else
                expected = level.value(caller) >= needed.value(call.need) ? 0 : 403;
            QTest::addRow(
                "%s %s as %s", call.method.constData(), qPrintable(call.path), qPrintable(caller))
                << call.method << call.path << call.body << caller << expected;
        }
    }
}

void TestHttpAuth::roleMatrix()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(QString, caller);
    QFETCH(int, expected);
    QList<QPair<QByteArray, QByteArray>> headers;
    if (caller != QLatin1String("anonymous"))
        headers.append({"Authorization", "Bearer " + m_tokens.value(caller)});
    const Response response = api(method, path, body, headers);
    QVERIFY2(response.status != 0, "no answer");
    if (expected == 0) {
        QVERIFY2(response.status != 401 && response.status != 403 && response.status != 303,
            qPrintable(QStringLiteral("%1: %2")
                           .arg(response.status)
                           .arg(QString::fromUtf8(response.body))));
        return;
    }
    QCOMPARE(response.status, expected);
    if (expected == 303) {
        QVERIFY(response.headers.value("location").startsWith("/login?next="));
        return;
    }
    // Refusals say why, in JSON.
    QVERIFY2(!response.json()[QStringLiteral("error")].toString().isEmpty(), response.body);
    if (expected == 401)
        QCOMPARE(response.headers.value("www-authenticate"), QByteArray("Bearer"));
    if (caller == QLatin1String("expired") || caller == QLatin1String("revoked"))
        QVERIFY2(
            response.json()[QStringLiteral("error")].toString().contains(caller), response.body);
}

void TestHttpAuth::webSocketNeedsCredentials()
{
    const QUrl url(QStringLiteral("ws://127.0.0.1:%1/ws").arg(m_service->httpPort()));
    auto connects = [&url](const QList<QPair<QByteArray, QByteArray>> &headers,
                        const QString &origin = QString()) {
        QWebSocket socket(origin);
        QNetworkRequest request(url);
        for (const auto &[key, value] : headers)
            request.setRawHeader(key, value);
        QSignalSpy connected(&socket, &QWebSocket::connected);
        QSignalSpy failed(&socket, &QWebSocket::disconnected);
        socket.open(request);
        if (!QTest::qWaitFor([&] { return connected.size() + failed.size() > 0; }, 10000))
            return false;
        return connected.size() == 1;
    };
    QVERIFY(!connects({}));
    QVERIFY(!connects({{"Authorization", "Bearer " + m_tokens.value(QStringLiteral("revoked"))}}));
    QVERIFY(connects({{"Authorization", "Bearer " + m_tokens.value(QStringLiteral("viewer"))}}));
    const auto [cookie, csrf]
        = signIn(QStringLiteral("viewer"), QStringLiteral("viewer-pass-123456"));
    QVERIFY(!cookie.isEmpty());
    QVERIFY(connects({{"Cookie", "dmr_session=" + cookie}},
        QStringLiteral("http://127.0.0.1:%1").arg(m_service->httpPort())));
    // Another site's page, with this site's cookie: refused.
    QVERIFY(
        !connects({{"Cookie", "dmr_session=" + cookie}}, QStringLiteral("http://evil.example")));

    // Open sockets are checked again: a token revoked, a session signed out,
    // and the push stops within seconds.
    const QPair<QByteArray, QByteArray> admin {
        "Authorization", "Bearer " + m_tokens.value(QStringLiteral("admin"))};
    const Response made = api(
        "POST", QStringLiteral("/api/tokens/"), R"({"name": "ws", "role": "viewer"})", {admin});
    QCOMPARE(made.status, 201);
    QWebSocket byToken;
    QWebSocket bySession(QStringLiteral("http://127.0.0.1:%1").arg(m_service->httpPort()));
    QNetworkRequest tokenRequest(url);
    tokenRequest.setRawHeader(
        "Authorization", "Bearer " + made.json()[QStringLiteral("token")].toString().toLatin1());
    QNetworkRequest sessionRequest(url);
    sessionRequest.setRawHeader("Cookie", "dmr_session=" + cookie);
    QSignalSpy tokenUp(&byToken, &QWebSocket::connected);
    QSignalSpy sessionUp(&bySession, &QWebSocket::connected);
    byToken.open(tokenRequest);
    bySession.open(sessionRequest);
    QTRY_COMPARE_WITH_TIMEOUT(tokenUp.size(), 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(sessionUp.size(), 1, 10000);
    QSignalSpy tokenDown(&byToken, &QWebSocket::disconnected);
    QSignalSpy sessionDown(&bySession, &QWebSocket::disconnected);
    QCOMPARE(api("DELETE",
                 QStringLiteral("/api/tokens/%1/").arg(made.json()[QStringLiteral("id")].toInt()),
                 {}, {admin})
                 .status,
        204);
    QCOMPARE(api("DELETE", QStringLiteral("/api/session/"), {},
                 {{"Cookie", "dmr_session=" + cookie}, {"X-CSRF-Token", csrf}})
                 .status,
        204);
    QTRY_COMPARE_WITH_TIMEOUT(tokenDown.size(), 1, 12000);
    QTRY_COMPARE_WITH_TIMEOUT(sessionDown.size(), 1, 12000);
    QCOMPARE(byToken.closeCode(), QWebSocketProtocol::CloseCodePolicyViolated);
    QVERIFY2(byToken.closeReason().contains(QStringLiteral("revoked token")),
        qPrintable(byToken.closeReason()));
}

void TestHttpAuth::sessionCookieAndCsrf()
{
    const Response login = api("POST", QStringLiteral("/api/session/"),
        R"({"name": "operator", "password": "operator-pass-123456"})");
    QCOMPARE(login.status, 200);
    const QByteArray setCookie = login.headers.value("set-cookie");
    QVERIFY2(setCookie.startsWith("dmr_session="), setCookie);
    for (const char *flag : {"; HttpOnly", "; SameSite=Strict", "; Path=/", "; Max-Age=43200"})
        QVERIFY2(setCookie.contains(flag), setCookie);
    QVERIFY2(!setCookie.contains("Secure"), "plain HTTP: a Secure cookie would never come back");
    const QJsonObject session = login.json().object();
    QCOMPARE(session[QStringLiteral("role")].toString(), QStringLiteral("operator"));
    QCOMPARE(session[QStringLiteral("user")][QStringLiteral("name")].toString(),
        QStringLiteral("operator"));
    const QByteArray csrf = session[QStringLiteral("csrf_token")].toString().toLatin1();
    QVERIFY(csrf.size() >= 40);
    const QByteArray cookie = setCookie.mid(12).split(';').first();
    QVERIFY(cookie.size() >= 40);
    QVERIFY(cookie != csrf);
    const QPair<QByteArray, QByteArray> withCookie {"Cookie", "dmr_session=" + cookie};

    // Reads with the cookie alone.
    QCOMPARE(api("GET", QStringLiteral("/api/devices/"), {}, {withCookie}).status, 200);
    const Response who = api("GET", QStringLiteral("/api/session/"), {}, {withCookie});
    QCOMPARE(who.status, 200);
    QCOMPARE(who.json()[QStringLiteral("csrf_token")].toString().toLatin1(), csrf);

    // A write with the cookie: refused without the CSRF token, with a wrong
    // one, or from another origin; taken with it (404: no such alert).
    const QString ack = QStringLiteral("/api/alerts/999999/ack/");
    QCOMPARE(api("POST", ack, "{}", {withCookie}).status, 403);
    QCOMPARE(api("POST", ack, "{}", {withCookie, {"X-CSRF-Token", "wrong"}}).status, 403);
    QCOMPARE(
        api("POST", ack, "{}", {withCookie, {"X-CSRF-Token", csrf.chopped(1) + 'x'}}).status, 403);
    QCOMPARE(api("POST", ack, "{}",
                 {withCookie, {"X-CSRF-Token", csrf}, {"Origin", "http://evil.example"}})
                 .status,
        403);
    QCOMPARE(api("POST", ack, "{}", {withCookie, {"X-CSRF-Token", csrf}}).status, 404);
    QCOMPARE(
        api("POST", ack, "{}",
            {withCookie, {"X-CSRF-Token", csrf},
                {"Origin",
                    QStringLiteral("http://127.0.0.1:%1").arg(m_service->httpPort()).toLatin1()}})
            .status,
        404);
    // A signed-in user makes their own tokens, at most at their role.
    const Response own = api("POST", QStringLiteral("/api/tokens/"), R"({"name": "laptop"})",
        {withCookie, {"X-CSRF-Token", csrf}});
    QCOMPARE(own.status, 201);
    QCOMPARE(own.json()[QStringLiteral("role")].toString(), QStringLiteral("operator"));
    QCOMPARE(own.json()[QStringLiteral("user")].toString(), QStringLiteral("operator"));
    QCOMPARE(api("POST", QStringLiteral("/api/tokens/"), R"({"name": "x", "role": "admin"})",
                 {withCookie, {"X-CSRF-Token", csrf}})
                 .status,
        403);
    // The role still counts: an operator's session may not make rules.
    QCOMPARE(api("POST", QStringLiteral("/api/rules/"), "{}", {withCookie, {"X-CSRF-Token", csrf}})
                 .status,
        403);

    // Signing in takes JSON only: a cross-site form cannot sign anyone in.
    QCOMPARE(
        api("POST", QStringLiteral("/api/session/"), "name=operator&password=operator-pass-123456",
            {{"Content-Type", "application/x-www-form-urlencoded"}})
            .status,
        415);

    // Signing out needs the CSRF token too, then the cookie is worth nothing.
    QCOMPARE(api("DELETE", QStringLiteral("/api/session/"), {}, {withCookie}).status, 403);
    const Response logout
        = api("DELETE", QStringLiteral("/api/session/"), {}, {withCookie, {"X-CSRF-Token", csrf}});
    QCOMPARE(logout.status, 204);
    QVERIFY2(logout.headers.value("set-cookie").startsWith("dmr_session=;"),
        logout.headers.value("set-cookie"));
    QVERIFY(logout.headers.value("set-cookie").contains("Max-Age=0"));
    const Response after = api("GET", QStringLiteral("/api/devices/"), {}, {withCookie});
    QCOMPARE(after.status, 401);
    QCOMPARE(api("GET", QStringLiteral("/api/session/"), {}, {withCookie}).status, 401);

    // Security headers, on pages and on the API.
    const Response page = api("GET", QStringLiteral("/login"));
    QCOMPARE(page.status, 200);
    QVERIFY(page.headers.value("content-security-policy").contains("script-src 'self'"));
    QVERIFY(page.headers.value("content-security-policy").contains("frame-ancestors 'none'"));
    QCOMPARE(page.headers.value("x-frame-options"), QByteArray("DENY"));
    QCOMPARE(after.headers.value("x-content-type-options"), QByteArray("nosniff"));
}

void TestHttpAuth::expiredSessionIsRefused()
{
    // A session past its expiry, as 12 hours later.
    const QByteArray id = Secret::randomToken();
    {
        Database database(QStringLiteral("expire"));
        QString error;
        QVERIFY2(database.open(databasePath(), &error), qPrintable(error));
        AccountStore store(database.sql());
        QVERIFY2(
            store.addSession(Secret::digest(id), m_viewerId, Secret::randomToken(),
                QStringLiteral("127.0.0.1"), now() - 13 * 3600000, now() - 3600000, 5000, &error),
            qPrintable(error));
    }
    const Response response
        = api("GET", QStringLiteral("/api/devices/"), {}, {{"Cookie", "dmr_session=" + id}});
    QCOMPARE(response.status, 401);
    QVERIFY2(response.json()[QStringLiteral("error")].toString().contains(
                 QStringLiteral("expired session")),
        response.body);
    // The browser is told to forget it.
    QVERIFY(response.headers.value("set-cookie").contains("Max-Age=0"));
    // A page sends the browser to sign in again, and to forget the cookie.
    const Response page = api("GET", QStringLiteral("/"), {}, {{"Cookie", "dmr_session=" + id}});
    QCOMPARE(page.status, 303);
    QVERIFY(page.headers.value("location").startsWith("/login?next="));
    QVERIFY(page.headers.value("set-cookie").contains("Max-Age=0"));
}

void TestHttpAuth::tokenRoleIsCappedByItsOwner()
{
    const QPair<QByteArray, QByteArray> viewer {
        "Authorization", "Bearer " + m_tokens.value(QStringLiteral("viewer"))};
    const QPair<QByteArray, QByteArray> admin {
        "Authorization", "Bearer " + m_tokens.value(QStringLiteral("admin"))};
    // A viewer cannot make an admin's token, nor one for someone else.
    Response refused = api("POST", QStringLiteral("/api/tokens/"),
        R"({"name": "escalate", "role": "admin"})", {viewer});
    QCOMPARE(refused.status, 403);
    refused = api(
        "POST", QStringLiteral("/api/tokens/"), R"({"name": "theirs", "user": "admin"})", {viewer});
    QCOMPARE(refused.status, 403);
    // An admin makes a viewer's token for a script; shown once, stored hashed.
    const Response made = api("POST", QStringLiteral("/api/tokens/"),
        R"({"name": "grafana", "role": "viewer", "expires_in_days": 30})", {admin});
    QCOMPARE(made.status, 201);
    const QByteArray secret = made.json()[QStringLiteral("token")].toString().toLatin1();
    QVERIFY(secret.startsWith("dmr_"));
    QVERIFY(!made.json()[QStringLiteral("expires_at")].isNull());
    const QString id = QString::number(made.json()[QStringLiteral("id")].toInt());
    const QPair<QByteArray, QByteArray> grafana {"Authorization", "Bearer " + secret};
    QCOMPARE(api("GET", QStringLiteral("/api/devices/"), {}, {grafana}).status, 200);
    QCOMPARE(api("POST", QStringLiteral("/api/rules/"), "{}", {grafana}).status, 403);
    const Response listed = api("GET", QStringLiteral("/api/tokens/%1/").arg(id), {}, {admin});
    QCOMPARE(listed.status, 200);
    QVERIFY(!listed.json().object().contains(QStringLiteral("token")));
    // Nobody else's token is a viewer's to see or revoke.
    QCOMPARE(api("GET", QStringLiteral("/api/tokens/%1/").arg(id), {}, {viewer}).status, 404);
    QCOMPARE(api("DELETE", QStringLiteral("/api/tokens/%1/").arg(id), {}, {viewer}).status, 403);
    QCOMPARE(api("DELETE", QStringLiteral("/api/tokens/%1/").arg(id), {}, {admin}).status, 204);
    const Response revoked = api("GET", QStringLiteral("/api/devices/"), {}, {grafana});
    QCOMPARE(revoked.status, 401);
    QVERIFY(revoked.json()[QStringLiteral("error")].toString().contains(QStringLiteral("revoked")));
    // The audit log has both, by whom, from where.
    const QJsonArray audit = api("GET", QStringLiteral("/api/audit/"), {}, {admin}).json().array();
    QStringList actions;
    for (const QJsonValue &entry : audit) {
        if (entry[QStringLiteral("user")].toString() == QLatin1String("admin")
            && entry[QStringLiteral("address")].toString() == QLatin1String("127.0.0.1"))
            actions.append(entry[QStringLiteral("action")].toString() + QLatin1Char(' ')
                + QString::number(entry[QStringLiteral("status")].toInt()));
    }
    QVERIFY2(
        actions.contains(QStringLiteral("POST /api/tokens/ 201")), qPrintable(actions.join(", ")));
    QVERIFY2(actions.contains(QStringLiteral("DELETE /api/tokens/%1/ 204").arg(id)),
        qPrintable(actions.join(", ")));
    // The viewer's attempt is there too, refused.
    bool escalation = false;
    for (const QJsonValue &entry : audit)
        escalation = escalation
            || (entry[QStringLiteral("user")].toString() == QLatin1String("viewer")
                && entry[QStringLiteral("status")].toInt() == 403);
    QVERIFY(escalation);
}

void TestHttpAuth::tokensMintNoTokens()
{
    // An admin's token for a device, with an operator's role: it may post
    // reports, not make itself an admin's token or revoke its owner's.
    const QPair<QByteArray, QByteArray> admin {
        "Authorization", "Bearer " + m_tokens.value(QStringLiteral("admin"))};
    const Response made = api("POST", QStringLiteral("/api/tokens/"),
        R"({"name": "device", "role": "operator"})", {admin});
    QCOMPARE(made.status, 201);
    const QPair<QByteArray, QByteArray> device {
        "Authorization", "Bearer " + made.json()[QStringLiteral("token")].toString().toLatin1()};
    for (const QByteArray &body :
        {QByteArray(R"({"name": "escalate"})"), QByteArray(R"({"name": "e", "role": "admin"})"),
            QByteArray(R"({"name": "e", "role": "viewer"})")}) {
        const Response refused = api("POST", QStringLiteral("/api/tokens/"), body, {device});
        QCOMPARE(refused.status, 403);
        QVERIFY(refused.json()[QStringLiteral("error")].toString().contains(
            QStringLiteral("cannot make or revoke tokens")));
    }
    // Not even the admin's own token, which it can see.
    const QJsonArray own = api("GET", QStringLiteral("/api/tokens/"), {}, {device}).json().array();
    QVERIFY(!own.isEmpty());
    const int first = own.last()[QStringLiteral("id")].toInt();
    QCOMPARE(api("DELETE", QStringLiteral("/api/tokens/%1/").arg(first), {}, {device}).status, 403);
    QCOMPARE(api("GET", QStringLiteral("/api/devices/"), {}, {admin}).status, 200);
}

void TestHttpAuth::rawWebSocketWithoutCredentialsGetsNothing()
{
    // Qt 6.4 upgrades a matched /ws request whatever the route answered: a
    // client that reads past the refusal must still be given nothing.
    QTcpSocket raw;
    raw.connectToHost(QHostAddress::LocalHost, m_service->httpPort());
    QVERIFY(raw.waitForConnected(5000));
    raw.write(
        QByteArrayLiteral("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                          "Sec-WebSocket-Version: 13\r\n\r\n"));
    QByteArray received;
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 3000 && raw.state() == QAbstractSocket::ConnectedState) {
        raw.waitForReadyRead(200);
        received += raw.readAll();
    }
    received += raw.readAll();
    QVERIFY2(received.startsWith("HTTP/1.1 403"), received.left(200));
    QVERIFY2(!received.contains("\"devices\""), received.left(400));
    QVERIFY2(!received.contains("\"uuid\""), received.left(400));
}

void TestHttpAuth::ownPasswordGuessesAreLimited()
{
    // A stolen session or token that guesses its user's password through
    // a password change meets the sign-in limits.
    const QPair<QByteArray, QByteArray> operatorToken {
        "Authorization", "Bearer " + m_tokens.value(QStringLiteral("operator"))};
    for (int i = 0; i < 5; ++i) {
        const Response wrong = api("PUT", QStringLiteral("/api/users/operator/"),
            QJsonDocument(QJsonObject {{"password", "new-password-123"},
                              {"current_password", QStringLiteral("guess-%1").arg(i)}})
                .toJson(),
            {operatorToken});
        QCOMPARE(wrong.status, 403);
    }
    const Response limited = api("PUT", QStringLiteral("/api/users/operator/"),
        R"({"password": "new-password-123", "current_password": "operator-pass-123456"})",
        {operatorToken});
    QCOMPARE(limited.status, 429);
    QVERIFY(limited.headers.value("retry-after").toInt() > 0);
}

void TestHttpAuth::passwordsNeverInLogsAnswersOrDatabase()
{
    const QPair<QByteArray, QByteArray> admin {
        "Authorization", "Bearer " + m_tokens.value(QStringLiteral("admin"))};
    const QString first = QStringLiteral("Tr0ub4dor&3-first-secret");
    const QString second = QStringLiteral("correct-horse-second-secret");
    const QString wrong = QStringLiteral("a-wrong-guess-secret");
    QStringList answers;
    Response response = api("POST", QStringLiteral("/api/users/"),
        QJsonDocument(QJsonObject {{"name", "dave"}, {"password", first}, {"role", "operator"}})
            .toJson(),
        {admin});
    QCOMPARE(response.status, 201);
    answers.append(QString::fromUtf8(response.body));
    response = api("POST", QStringLiteral("/api/session/"),
        QJsonDocument(QJsonObject {{"name", "dave"}, {"password", wrong}}).toJson());
    QCOMPARE(response.status, 401);
    answers.append(QString::fromUtf8(response.body));
    const auto [cookie, csrf] = signIn(QStringLiteral("dave"), first);
    QVERIFY(!cookie.isEmpty());
    // Their own password: the old one proves it is them.
    response = api("PUT", QStringLiteral("/api/users/dave/"),
        QJsonDocument(QJsonObject {{"password", second}, {"current_password", wrong}}).toJson(),
        {{"Cookie", "dmr_session=" + cookie}, {"X-CSRF-Token", csrf}});
    QCOMPARE(response.status, 403);
    answers.append(QString::fromUtf8(response.body));
    response = api("PUT", QStringLiteral("/api/users/dave/"),
        QJsonDocument(QJsonObject {{"password", second}, {"current_password", first}}).toJson(),
        {{"Cookie", "dmr_session=" + cookie}, {"X-CSRF-Token", csrf}});
    QCOMPARE(response.status, 200);
    answers.append(QString::fromUtf8(response.body));
    // A new password ends the sessions made with the old one.
    QTRY_COMPARE(
        api("GET", QStringLiteral("/api/devices/"), {}, {{"Cookie", "dmr_session=" + cookie}})
            .status,
        401);
    QVERIFY(signIn(QStringLiteral("dave"), first).first.isEmpty());
    QVERIFY(!signIn(QStringLiteral("dave"), second).first.isEmpty());
    response = api("GET", QStringLiteral("/api/users/"), {}, {admin});
    answers.append(QString::fromUtf8(response.body));
    QVERIFY(!response.body.contains("hash"));

    m_service->stop(); // the WAL written back, the logs complete
    QByteArray database;
    for (const QString &suffix : {QString(), QStringLiteral("-wal")}) {
        QFile file(databasePath() + suffix);
        if (file.open(QIODevice::ReadOnly))
            database += file.readAll();
    }
    QVERIFY(database.contains("$argon2id$"));
    const QString log = logged();
    QVERIFY(log.contains(QStringLiteral("failed login as dave")));
    for (const QString &secret : {first, second, wrong}) {
        QVERIFY2(!log.contains(secret), qPrintable(secret));
        QVERIFY2(!answers.join(QLatin1Char('\n')).contains(secret), qPrintable(secret));
        QVERIFY2(!database.contains(secret.toUtf8()), qPrintable(secret));
    }
    // Tokens and session ids are kept as their hashes only.
    for (const QByteArray &token : {m_tokens.value(QStringLiteral("viewer")), cookie}) {
        QVERIFY(!database.contains(token));
        QVERIFY(!log.contains(QString::fromLatin1(token)));
    }
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
}

void TestHttpAuth::loginAttemptsAreLimited()
{
    // Five wrong passwords for one name: the sixth attempt is refused
    // unheard, the right password too, with how long to wait.
    const auto attempt = [this](const QString &name, const QString &password) {
        return api("POST", QStringLiteral("/api/session/"),
            QJsonDocument(QJsonObject {{"name", name}, {"password", password}}).toJson());
    };
    for (int i = 0; i < 5; ++i)
        QCOMPARE(
            attempt(QStringLiteral("admin"), QStringLiteral("guess-%1-password").arg(i)).status,
            401);
    const Response limited = attempt(QStringLiteral("admin"), QStringLiteral("admin-pass-123456"));
    QCOMPARE(limited.status, 429);
    const int retryAfter = limited.headers.value("retry-after").toInt();
    QVERIFY2(retryAfter > 800 && retryAfter <= 900, limited.headers.value("retry-after"));
    QVERIFY(
        limited.json()[QStringLiteral("error")].toString().contains(QStringLiteral("try again")));
    QVERIFY(logged().contains(
        QStringLiteral("refused a login as admin from 127.0.0.1: too many failed logins")));
    // Names that do not exist count the same (nothing tells them apart), and
    // the address is limited too: twenty failures from it, and any name waits.
    for (int i = 0; i < 15; ++i)
        QCOMPARE(
            attempt(QStringLiteral("nobody%1").arg(i), QStringLiteral("guess-password")).status,
            401);
    QCOMPARE(
        attempt(QStringLiteral("operator"), QStringLiteral("operator-pass-123456")).status, 429);
    // Counted for the operator's dashboards.
    const Response metrics
        = api("GET", QStringLiteral("/metrics"), {}, {{"Authorization", "Bearer " + kScrapeToken}});
    QCOMPARE(metrics.status, 200);
    QVERIFY2(metrics.body.contains("dmr_logins_total{result=\"rate_limited\"} 2"), metrics.body);
    QVERIFY(QRegularExpression(QStringLiteral("dmr_logins_total\\{result=\"failed\"\\} (\\d+)"))
                .match(QString::fromLatin1(metrics.body))
                .captured(1)
                .toInt()
        >= 20);
    // The audit log has the refusals, by the name tried.
    const QJsonArray audit = api("GET", QStringLiteral("/api/audit/?limit=50"), {},
        {{"Authorization", "Bearer " + m_tokens.value(QStringLiteral("admin"))}})
                                 .json()
                                 .array();
    bool refusal = false;
    for (const QJsonValue &entry : audit)
        refusal = refusal
            || (entry[QStringLiteral("action")].toString().startsWith(
                    QLatin1String("login refused"))
                && entry[QStringLiteral("status")].toInt() == 429);
    QVERIFY(refusal);
}

void TestHttpAuth::refusesToStartExposedWithoutCredentials()
{
    QTemporaryDir dir;
    ConsoleConfig config;
    config.headless = true;
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpBind = QHostAddress::Any; // beyond loopback
    config.httpPort = 0;
    config.database = dir.filePath(QStringLiteral("exposed.db"));
    config.statsIntervalSeconds = 0;
    {
        ConsoleService service(config);
        QString error;
        QVERIFY(!service.start(&error));
        QVERIFY2(error.contains(QStringLiteral("metrics-console users add NAME --role admin")),
            qPrintable(error));
        QVERIFY(!service.isRunning());
    }
    // With a user it starts, and everything but /healthz needs a sign-in.
    {
        Database database(QStringLiteral("exposed-setup"));
        QString error;
        QVERIFY2(database.open(config.database, &error), qPrintable(error));
        AccountStore store(database.sql());
        QVERIFY(store.addUser(QStringLiteral("root"),
            Secret::hashPassword(QStringLiteral("root-pass-123456")), Role::Admin, now(), &error));
    }
    ConsoleService service(config);
    QString error;
    QVERIFY2(service.start(&error), qPrintable(error));
    const auto get = [&](const QString &path) {
        return request(
            "GET", QUrl(QStringLiteral("http://127.0.0.1:%1%2").arg(service.httpPort()).arg(path)));
    };
    QCOMPARE(get(QStringLiteral("/healthz")).status, 200);
    QCOMPARE(get(QStringLiteral("/api/devices/")).status, 401);
    QCOMPARE(get(QStringLiteral("/metrics")).status, 401);
    QCOMPARE(get(QStringLiteral("/")).status, 303);
}

void TestHttpAuth::httpsWithRedirectAndWss()
{
    QTemporaryDir dir;
    const QString cert = dir.filePath(QStringLiteral("cert.pem"));
    const QString key = dir.filePath(QStringLiteral("key.pem"));
    QProcess make;
    make.start(QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"),
        {QStringLiteral("tls"), QStringLiteral("selfsigned"), QStringLiteral("--cert"), cert,
            QStringLiteral("--key"), key, QStringLiteral("--host"), QStringLiteral("127.0.0.1")});
    QVERIFY(make.waitForFinished(30000));
    QVERIFY2(make.exitCode() == 0, make.readAllStandardError());
    QCOMPARE(QFile(key).permissions() & (QFileDevice::ReadGroup | QFileDevice::ReadOther),
        QFileDevice::Permissions());

    ConsoleConfig config;
    config.headless = true;
    config.udpBind = QHostAddress::LocalHost;
    config.udpPort = 0;
    config.httpPort = 0;
    config.httpsPort = 0;
    config.tlsCert = cert;
    config.tlsKey = key;
    config.database = databasePath(); // its users
    config.statsIntervalSeconds = 0;
    m_service.reset();
    m_service = std::make_unique<ConsoleService>(config);
    QString error;
    QVERIFY2(m_service->start(&error), qPrintable(error));
    const quint16 https = m_service->httpPort();
    const quint16 http = m_service->httpRedirectPort();
    QVERIFY(https != 0 && http != 0 && https != http);

    // curl, verifying the certificate against the one made; and without it,
    // refusing the connection.
    const QString curl = QStandardPaths::findExecutable(QStringLiteral("curl"));
    QVERIFY2(!curl.isEmpty(), "curl is needed (installers/debian-packages.txt)");
    const QString healthz = QStringLiteral("https://127.0.0.1:%1/healthz").arg(https);
    QProcess verified;
    verified.start(curl,
        {QStringLiteral("-sS"), QStringLiteral("--cacert"), cert, QStringLiteral("-w"),
            QStringLiteral("\n%{http_code}"), healthz});
    QVERIFY(verified.waitForFinished(30000));
    QVERIFY2(verified.exitCode() == 0, verified.readAllStandardError());
    QVERIFY(verified.readAllStandardOutput().endsWith("\n200"));
    QProcess untrusted;
    untrusted.start(curl, {QStringLiteral("-sS"), healthz});
    QVERIFY(untrusted.waitForFinished(30000));
    QCOMPARE(untrusted.exitCode(), 60); // peer certificate cannot be authenticated

    // Plain HTTP sends everything to HTTPS, the path kept.
    const Response redirect = request(
        "GET", QUrl(QStringLiteral("http://127.0.0.1:%1/api/devices/?search=x").arg(http)));
    QCOMPARE(redirect.status, 308);
    QCOMPARE(redirect.headers.value("location"),
        QStringLiteral("https://127.0.0.1:%1/api/devices/?search=x").arg(https).toLatin1());

    // Signed in over HTTPS: the cookie is Secure, HSTS is sent, and wss:// works.
    m_ssl.setCaCertificates(QSslCertificate::fromPath(cert));
    const Response login
        = request("POST", QUrl(QStringLiteral("https://127.0.0.1:%1/api/session/").arg(https)),
            R"({"name": "viewer", "password": "viewer-pass-123456"})");
    QCOMPARE(login.status, 200);
    QVERIFY2(
        login.headers.value("set-cookie").contains("; Secure"), login.headers.value("set-cookie"));
    QVERIFY(login.headers.value("strict-transport-security").startsWith("max-age="));
    QCOMPARE(login.json()[QStringLiteral("tls")].toBool(), true);
    const QByteArray cookie = login.headers.value("set-cookie").mid(12).split(';').first();
    // TLS on loopback still needs a sign-in.
    QCOMPARE(
        request("GET", QUrl(QStringLiteral("https://127.0.0.1:%1/api/devices/").arg(https))).status,
        401);
    QCOMPARE(request("GET", QUrl(QStringLiteral("https://127.0.0.1:%1/api/devices/").arg(https)),
                 {}, {{"Cookie", "dmr_session=" + cookie}})
                 .status,
        200);
    QWebSocket socket(QStringLiteral("https://127.0.0.1:%1").arg(https));
    socket.setSslConfiguration(m_ssl);
    QNetworkRequest upgrade(QUrl(QStringLiteral("wss://127.0.0.1:%1/ws").arg(https)));
    upgrade.setRawHeader("Cookie", "dmr_session=" + cookie);
    QSignalSpy connected(&socket, &QWebSocket::connected);
    QSignalSpy message(&socket, &QWebSocket::textMessageReceived);
    socket.open(upgrade);
    QVERIFY(connected.wait(10000));
    QTRY_VERIFY_WITH_TIMEOUT(!message.isEmpty(), 10000); // the device list, pushed at once
    QVERIFY(message.first().first().toString().contains(QStringLiteral("\"type\":\"devices\"")));
    socket.close();
}

QTEST_GUILESS_MAIN(TestHttpAuth)
#include "tst_httpauth.moc"
