// SPDX-License-Identifier: MIT
// Failed logins per address and per name over a sliding window, on a clock
// the test turns.
#include "auth/LoginLimiter.h"

#include <QTest>

using namespace dmr::console;

class TestLoginLimiter : public QObject
{
    Q_OBJECT
private slots:
    void perUserLimitSlidesWithTheWindow();
    void perAddressLimitCoversEveryName();
    void successClearsTheNameOnly();
    void namesAreCaseInsensitive();
    void memoryIsBounded();

private:
    LoginLimiter limiter(LoginLimiter::Options options = LoginLimiter::Options())
    {
        return LoginLimiter(options, [this] { return m_now; });
    }
    qint64 m_now = 1'000'000;
};

void TestLoginLimiter::perUserLimitSlidesWithTheWindow()
{
    m_now = 1'000'000;
    LoginLimiter l = limiter(); // 5 per name, 20 per address, 15 minutes
    const qint64 window = 15 * 60 * 1000;
    for (int i = 0; i < 5; ++i) {
        QCOMPARE(l.retryAfterMs(QStringLiteral("10.0.0.%1").arg(i), QStringLiteral("alice")), 0);
        l.failed(QStringLiteral("10.0.0.%1").arg(i), QStringLiteral("alice"));
        m_now += 1000;
    }
    // Five failures from five addresses: alice waits, from anywhere, until
    // the first failure leaves the window.
    QCOMPARE(l.retryAfterMs(QStringLiteral("10.0.0.99"), QStringLiteral("alice")),
        1'000'000 + window - m_now);
    QCOMPARE(l.retryAfterMs(QStringLiteral("10.0.0.99"), QStringLiteral("bob")), 0);
    m_now = 1'000'000 + window;
    QCOMPARE(l.retryAfterMs(QStringLiteral("10.0.0.99"), QStringLiteral("alice")), 0);
    // One more failure and she waits for the second one.
    l.failed(QStringLiteral("10.0.0.99"), QStringLiteral("alice"));
    QCOMPARE(l.retryAfterMs(QStringLiteral("10.0.0.99"), QStringLiteral("alice")), 1000);
}

void TestLoginLimiter::perAddressLimitCoversEveryName()
{
    m_now = 5'000'000;
    LoginLimiter l = limiter();
    for (int i = 0; i < 20; ++i)
        l.failed(QStringLiteral("192.0.2.1"), QStringLiteral("name%1").arg(i));
    QVERIFY(l.retryAfterMs(QStringLiteral("192.0.2.1"), QStringLiteral("someone-new")) > 0);
    QCOMPARE(l.retryAfterMs(QStringLiteral("192.0.2.2"), QStringLiteral("someone-new")), 0);
}

void TestLoginLimiter::successClearsTheNameOnly()
{
    m_now = 9'000'000;
    LoginLimiter::Options options;
    options.failuresPerUser = 3;
    options.failuresPerAddress = 4;
    LoginLimiter l = limiter(options);
    for (int i = 0; i < 3; ++i)
        l.failed(QStringLiteral("192.0.2.1"), QStringLiteral("carol"));
    QVERIFY(l.retryAfterMs(QStringLiteral("192.0.2.9"), QStringLiteral("carol")) > 0);
    // From another address, counted as failed while it runs, then good.
    l.failed(QStringLiteral("192.0.2.9"), QStringLiteral("carol"));
    l.succeeded(QStringLiteral("192.0.2.9"), QStringLiteral("carol"));
    QCOMPARE(l.retryAfterMs(QStringLiteral("192.0.2.9"), QStringLiteral("carol")), 0);
    QCOMPARE(l.retryAfterMs(QStringLiteral("192.0.2.9"), QStringLiteral("someone")), 0);
    // The first address keeps its three: one more and it waits.
    l.failed(QStringLiteral("192.0.2.1"), QStringLiteral("dave"));
    QVERIFY(l.retryAfterMs(QStringLiteral("192.0.2.1"), QStringLiteral("erin")) > 0);
}

void TestLoginLimiter::namesAreCaseInsensitive()
{
    m_now = 12'000'000;
    LoginLimiter l = limiter();
    for (const char *name : {"Admin", "ADMIN", "admin", "aDmin", "admiN"})
        l.failed(QStringLiteral("192.0.2.%1").arg(qstrlen(name)), QString::fromLatin1(name));
    QVERIFY(l.retryAfterMs(QStringLiteral("192.0.2.200"), QStringLiteral("admin")) > 0);
}

void TestLoginLimiter::memoryIsBounded()
{
    m_now = 20'000'000;
    LoginLimiter::Options options;
    options.maxTracked = 100;
    LoginLimiter l = limiter(options);
    // A spray of addresses and names: the oldest are forgotten, the newest kept.
    for (int i = 0; i < 10000; ++i) {
        m_now += 1;
        for (int j = 0; j < 5; ++j)
            l.failed(QStringLiteral("10.%1.%2.1").arg(i / 256).arg(i % 256),
                QStringLiteral("user%1").arg(i));
    }
    QVERIFY(l.retryAfterMs(QStringLiteral("10.39.15.1"), QStringLiteral("user9999")) > 0);
    QCOMPARE(l.retryAfterMs(QStringLiteral("10.0.0.1"), QStringLiteral("user0")), 0);
}

QTEST_APPLESS_MAIN(TestLoginLimiter)
#include "tst_loginlimiter.moc"
