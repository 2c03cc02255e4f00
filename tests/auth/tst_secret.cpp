// SPDX-License-Identifier: MIT
// Password hashes, tokens and their digests: what is stored can check a
// secret and cannot be turned back into it.
#include "auth/Secret.h"

#include <QSet>
#include <QTest>

using namespace dmr::console;

class TestSecret : public QObject
{
    Q_OBJECT
private slots:
    void passwordHashIsArgon2idAndSalted();
    void passwordPolicy_data();
    void passwordPolicy();
    void tokensAreRandomAndDigested();
    void equalComparesWholeSecrets();
};

void TestSecret::passwordHashIsArgon2idAndSalted()
{
    const QString password = QStringLiteral("pässwörd-ünïcode-1");
    const QByteArray hash = Secret::hashPassword(password);
    QVERIFY2(hash.startsWith("$argon2id$v=19$m=65536,t=2,p=1$"), hash);
    QVERIFY(!hash.contains(password.toUtf8()));
    QVERIFY(Secret::verifyPassword(hash, password));
    QVERIFY(!Secret::verifyPassword(hash, password + QLatin1Char(' ')));
    QVERIFY(!Secret::verifyPassword(hash, QStringLiteral("pässwörd-ünïcode-2")));
    QVERIFY(!Secret::verifyPassword(hash, QString()));
    // Salted: the same password hashes differently each time, both verify.
    const QByteArray again = Secret::hashPassword(password);
    QVERIFY(again != hash);
    QVERIFY(Secret::verifyPassword(again, password));
    // A damaged or foreign hash verifies nothing.
    QVERIFY(!Secret::verifyPassword(hash.chopped(4), password));
    QVERIFY(!Secret::verifyPassword(QByteArray(), password));
    QVERIFY(!Secret::verifyPassword("plain-text", QStringLiteral("plain-text")));
}

void TestSecret::passwordPolicy_data()
{
    QTest::addColumn<QString>("password");
    QTest::addColumn<bool>("accepted");
    QTest::newRow("empty") << QString() << false;
    QTest::newRow("seven") << QStringLiteral("1234567") << false;
    QTest::newRow("eight") << QStringLiteral("12345678") << true;
    QTest::newRow("passphrase") << QStringLiteral("correct horse battery staple") << true;
    QTest::newRow("1024") << QString(1024, QLatin1Char('x')) << true;
    QTest::newRow("1025") << QString(1025, QLatin1Char('x')) << false;
}

void TestSecret::passwordPolicy()
{
    QFETCH(QString, password);
    QFETCH(bool, accepted);
    QCOMPARE(Secret::passwordProblem(password).isEmpty(), accepted);
}

void TestSecret::tokensAreRandomAndDigested()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 1000; ++i) {
        const QByteArray token = Secret::randomToken("dmr_");
        QVERIFY(token.startsWith("dmr_"));
        QCOMPARE(token.size(), 4 + 43); // 32 bytes, base64url without padding
        QVERIFY(!token.contains('=') && !token.contains('+') && !token.contains('/'));
        QVERIFY(!seen.contains(token));
        seen.insert(token);
    }
    // SHA-256, as `printf %s abc | sha256sum` gives it.
    QCOMPARE(Secret::digest("abc"),
        QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    const QByteArray token = Secret::randomToken();
    QCOMPARE(Secret::digest(token).size(), 64);
    QVERIFY(Secret::digest(token) != Secret::digest(token + 'x'));
}

void TestSecret::equalComparesWholeSecrets()
{
    QVERIFY(Secret::equal("secret-token", "secret-token"));
    QVERIFY(!Secret::equal("secret-token", "secret-tokeN"));
    QVERIFY(!Secret::equal("secret-token", "secret-toke"));
    QVERIFY(!Secret::equal("secret-token", QByteArray()));
    QVERIFY(Secret::equal(QByteArray(), QByteArray()));
}

QTEST_APPLESS_MAIN(TestSecret)
#include "tst_secret.moc"
