// SPDX-License-Identifier: MIT
// Accounts on a real database (a SQLite file; PostgreSQL in the _pg run):
// what admins and users may do to users and tokens, what a token or a
// session is worth as time passes and things change, and the audit log.
#include "auth/AccountService.h"
#include "auth/AccountStore.h"
#include "auth/Authenticator.h"
#include "auth/Secret.h"
#include "store/Database.h"
#include "support/TestDatabase.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

class TestAccountService : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void usersAreValidatedAndUnique();
    void theLastAdminStays();
    void tokensLiveExpireAndAreRevoked();
    void aRoleChangeReachesTokensAndSessions();
    void deletingAUserTakesTheirTokensAndSessions();
    void auditLogSaysWhoWhatWhenWhere();

private:
    AccountReply call(const Principal &by, const QByteArray &method, const QStringList &path,
        const QJsonObject &body = {});
    Principal admin() const;
    qint64 m_now = 1'800'000'000'000;
    QTemporaryDir m_dir;
    std::unique_ptr<TestDatabase::Scratch> m_scratch;
    std::unique_ptr<Database> m_database;
    std::unique_ptr<AccountStore> m_store;
    std::unique_ptr<AccountService> m_service;
};

void TestAccountService::init()
{
    m_now = 1'800'000'000'000;
    m_scratch = std::make_unique<TestDatabase::Scratch>(m_dir.filePath(
        QStringLiteral("%1.db").arg(QString::fromLatin1(QTest::currentTestFunction()))));
    TEST_DATABASE_READY(*m_scratch);
    m_database = std::make_unique<Database>(QStringLiteral("accounts"));
    QString error;
    QVERIFY2(m_database->open(m_scratch->location(), &error) && m_database->migrate(&error),
        qPrintable(error));
    m_store = std::make_unique<AccountStore>(m_database->sql());
    m_service = std::make_unique<AccountService>(m_store.get(), 5000, [this] { return m_now; });
    // The first admin, as `metrics-console users add` makes it.
    const AccountReply first = m_service->addUser(admin(), QStringLiteral("local"),
        QStringLiteral("root"), QStringLiteral("root-pass-1"), Role::Admin);
    QVERIFY2(first.status == 201, first.json);
}

void TestAccountService::cleanup()
{
    m_service.reset();
    m_store.reset();
    m_database.reset();
    m_scratch.reset();
}

Principal TestAccountService::admin() const
{
    Principal local;
    local.kind = Principal::Kind::Local;
    local.name = QStringLiteral("cli:test");
    local.role = Role::Admin;
    return local;
}

AccountReply TestAccountService::call(
    const Principal &by, const QByteArray &method, const QStringList &path, const QJsonObject &body)
{
    AccountRequest request;
    request.method = method;
    request.path = path;
    request.body = QJsonDocument(body).toJson();
    request.principal = by;
    request.address = QStringLiteral("192.0.2.10");
    return m_service->handle(request);
}

void TestAccountService::usersAreValidatedAndUnique()
{
    const QStringList users = {QStringLiteral("users")};
    QCOMPARE(call(admin(), "POST", users,
                 {{"name", "alice"}, {"password", "alice-pass-1"}, {"role", "operator"}})
                 .status,
        201);
    QCOMPARE(call(admin(), "POST", users, {{"name", "alice"}, {"password", "another-pass"}}).status,
        409);
    QCOMPARE(
        call(admin(), "POST", users, {{"name", "bad name"}, {"password", "long-enough"}}).status,
        400);
    QCOMPARE(call(admin(), "POST", users, {{"name", "bob"}, {"password", "short"}}).status, 400);
    QCOMPARE(call(admin(), "POST", users,
                 {{"name", "bob"}, {"password", "long-enough"}, {"role", "superuser"}})
                 .status,
        400);
    const QJsonArray list = QJsonDocument::fromJson(call(admin(), "GET", users).json).array();
    QCOMPARE(list.size(), 2);
    QCOMPARE(list[0][QStringLiteral("name")].toString(), QStringLiteral("alice"));
    QCOMPARE(list[0][QStringLiteral("role")].toString(), QStringLiteral("operator"));
    QVERIFY(!QJsonDocument(list).toJson().contains("argon2"));
    // Not an admin: no users, not even the list.
    Principal alice;
    alice.kind = Principal::Kind::Session;
    alice.name = QStringLiteral("alice");
    alice.userId = 2;
    alice.role = Role::Operator;
    QCOMPARE(call(alice, "GET", users).status, 403);
    QCOMPARE(call(alice, "GET", {QStringLiteral("users"), QStringLiteral("root")}).status, 403);
    QCOMPARE(
        call(alice, "PUT", {QStringLiteral("users"), QStringLiteral("alice")}, {{"role", "admin"}})
            .status,
        403);
}

void TestAccountService::theLastAdminStays()
{
    const QStringList root = {QStringLiteral("users"), QStringLiteral("root")};
    QCOMPARE(call(admin(), "DELETE", root).status, 409);
    QCOMPARE(call(admin(), "PUT", root, {{"role", "viewer"}}).status, 409);
    QCOMPARE(call(admin(), "POST", {QStringLiteral("users")},
                 {{"name", "second"}, {"password", "second-pass"}, {"role", "admin"}})
                 .status,
        201);
    QCOMPARE(call(admin(), "PUT", root, {{"role", "viewer"}}).status, 200);
    QCOMPARE(
        call(admin(), "DELETE", {QStringLiteral("users"), QStringLiteral("second")}).status, 409);
    QCOMPARE(call(admin(), "DELETE", root).status, 204);
}

void TestAccountService::tokensLiveExpireAndAreRevoked()
{
    Authenticator::Options options;
    options.cacheMs = 0; // every lookup from the database
    Authenticator authenticator(m_store.get(), options, [this] { return m_now; });
    const AccountReply made = call(admin(), "POST", {QStringLiteral("tokens")},
        {{"name", "backup script"}, {"user", "root"}, {"role", "viewer"}, {"expires_in_days", 1}});
    QCOMPARE(made.status, 201);
    const QJsonObject token = QJsonDocument::fromJson(made.json).object();
    const QByteArray secret = token[QStringLiteral("token")].toString().toLatin1();
    QVERIFY(secret.startsWith("dmr_"));
    QString error;
    // Kept as its SHA-256 only.
    const auto stored = m_store->byToken(Secret::digest(secret), m_now, &error);
    QVERIFY(stored && stored->principal);
    QCOMPARE(stored->principal->name, QStringLiteral("root"));
    QCOMPARE(stored->principal->role, Role::Viewer);

    Authenticator::Result result = authenticator.authenticate(secret, {});
    QVERIFY(result.principal);
    QCOMPARE(result.principal->kind, Principal::Kind::Token);
    QCOMPARE(authenticator.authenticate(secret + 'x', {}).refusal, QStringLiteral("invalid token"));
    m_now += 86400000; // a day later
    QCOMPARE(authenticator.authenticate(secret, {}).refusal, QStringLiteral("expired token"));
    m_now -= 86400000;
    const QString id = QString::number(token[QStringLiteral("id")].toInt());
    QCOMPARE(call(admin(), "DELETE", {QStringLiteral("tokens"), id}).status, 204);
    QCOMPARE(authenticator.authenticate(secret, {}).refusal, QStringLiteral("revoked token"));
    const QJsonObject listed
        = QJsonDocument::fromJson(call(admin(), "GET", {QStringLiteral("tokens"), id}).json)
              .object();
    QCOMPARE(listed[QStringLiteral("revoked")].toBool(), true);
    QVERIFY(!listed.contains(QStringLiteral("token")));
}

void TestAccountService::aRoleChangeReachesTokensAndSessions()
{
    QCOMPARE(call(admin(), "POST", {QStringLiteral("users")},
                 {{"name", "ops"}, {"password", "ops-pass-123"}, {"role", "admin"}})
                 .status,
        201);
    const QByteArray secret = QJsonDocument::fromJson(call(admin(), "POST",
        {QStringLiteral("tokens")},
        {{"name", "deploy"}, {"user", "ops"}}).json)[QStringLiteral("token")]
                                  .toString()
                                  .toLatin1();
    Authenticator::Options options;
    options.cacheMs = 0;
    Authenticator authenticator(m_store.get(), options, [this] { return m_now; });
    QCOMPARE(authenticator.authenticate(secret, {}).principal->role, Role::Admin);
    QString error;
    const auto user = m_store->user(QStringLiteral("ops"), &error);
    QVERIFY(user && *user);
    const auto session
        = authenticator.startSession((*user)->id, QStringLiteral("192.0.2.1"), &error);
    QVERIFY2(session, qPrintable(error));
    QCOMPARE(authenticator.authenticate({}, session->id).principal->role, Role::Admin);
    // Demoted: the token made as an admin's is a viewer's now, and so is the session.
    QCOMPARE(
        call(admin(), "PUT", {QStringLiteral("users"), QStringLiteral("ops")}, {{"role", "viewer"}})
            .status,
        200);
    QCOMPARE(authenticator.authenticate(secret, {}).principal->role, Role::Viewer);
    QCOMPARE(authenticator.authenticate({}, session->id).principal->role, Role::Viewer);
    // Sessions end at their time.
    m_now += options.sessionMs;
    QCOMPARE(
        authenticator.authenticate({}, session->id).refusal, QStringLiteral("expired session"));
}

void TestAccountService::deletingAUserTakesTheirTokensAndSessions()
{
    QCOMPARE(call(admin(), "POST", {QStringLiteral("users")},
                 {{"name", "temp"}, {"password", "temp-pass-123"}, {"role", "operator"}})
                 .status,
        201);
    const QByteArray secret = QJsonDocument::fromJson(call(admin(), "POST",
        {QStringLiteral("tokens")},
        {{"name", "x"}, {"user", "temp"}}).json)[QStringLiteral("token")]
                                  .toString()
                                  .toLatin1();
    Authenticator::Options options;
    options.cacheMs = 0;
    Authenticator authenticator(m_store.get(), options, [this] { return m_now; });
    QString error;
    const auto user = m_store->user(QStringLiteral("temp"), &error);
    const auto session
        = authenticator.startSession((*user)->id, QStringLiteral("192.0.2.1"), &error);
    QVERIFY(session);
    QCOMPARE(
        call(admin(), "DELETE", {QStringLiteral("users"), QStringLiteral("temp")}).status, 204);
    QVERIFY(!authenticator.authenticate(secret, {}).principal);
    QVERIFY(!authenticator.authenticate({}, session->id).principal);
    QCOMPARE(m_store->tokens(0, &error)->size(), 0);
}

void TestAccountService::auditLogSaysWhoWhatWhenWhere()
{
    call(admin(), "POST", {QStringLiteral("users")},
        {{"name", "eve"}, {"password", "eve-pass-1234"}, {"role", "viewer"}});
    m_now += 1000;
    call(admin(), "DELETE", {QStringLiteral("users"), QStringLiteral("nobody")});
    const QJsonArray log
        = QJsonDocument::fromJson(call(admin(), "GET", {QStringLiteral("audit")}).json).array();
    QVERIFY(log.size() >= 3); // root at init, eve, the failed delete
    const QJsonObject newest = log[0].toObject();
    QCOMPARE(newest[QStringLiteral("user")].toString(), QStringLiteral("cli:test"));
    QCOMPARE(
        newest[QStringLiteral("action")].toString(), QStringLiteral("DELETE /api/users/nobody/"));
    QCOMPARE(newest[QStringLiteral("status")].toInt(), 404);
    QCOMPARE(newest[QStringLiteral("address")].toString(), QStringLiteral("192.0.2.10"));
    QCOMPARE(newest[QStringLiteral("at")].toString(), QStringLiteral("2027-01-15T08:00:01.000Z"));
    const QJsonObject added = log[1].toObject();
    QCOMPARE(added[QStringLiteral("action")].toString(), QStringLiteral("add user"));
    QCOMPARE(added[QStringLiteral("target")].toString(), QStringLiteral("eve viewer"));
    // Only admins read it.
    Principal viewer;
    viewer.kind = Principal::Kind::Session;
    viewer.name = QStringLiteral("eve");
    viewer.userId = 9;
    QCOMPARE(call(viewer, "GET", {QStringLiteral("audit")}).status, 403);
}

QTEST_GUILESS_MAIN(TestAccountService)
#include "tst_accountservice.moc"
