// SPDX-License-Identifier: MIT
// Cookies, bearer tokens and origins as browsers and clients send them.
#include "http/RequestHeaders.h"

#include <QTest>

using namespace dmr::console;

class TestRequestHeaders : public QObject
{
    Q_OBJECT
private slots:
    void cookie_data();
    void cookie();
    void bearer();
    void sameOrigin_data();
    void sameOrigin();
};

void TestRequestHeaders::cookie_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("value");
    QTest::newRow("alone") << QByteArray("dmr_session=abc") << QByteArray("abc");
    QTest::newRow("among others") << QByteArray("theme=dark; dmr_session=abc; lang=en")
                                  << QByteArray("abc");
    QTest::newRow("a longer name")
        << QByteArray("xdmr_session=evil; dmr_session=abc") << QByteArray("abc");
    QTest::newRow("a prefix of it") << QByteArray("dmr_session_old=evil") << QByteArray();
    QTest::newRow("none") << QByteArray() << QByteArray();
    QTest::newRow("empty value") << QByteArray("dmr_session=") << QByteArray();
}

void TestRequestHeaders::cookie()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, value);
    QCOMPARE(RequestHeaders::cookie(header, "dmr_session"), value);
}

void TestRequestHeaders::bearer()
{
    QCOMPARE(RequestHeaders::bearer("Bearer dmr_abc"), QByteArray("dmr_abc"));
    QCOMPARE(RequestHeaders::bearer("Bearer  dmr_abc "), QByteArray("dmr_abc"));
    QCOMPARE(RequestHeaders::bearer("Basic dXNlcjpwYXNz"), QByteArray());
    QCOMPARE(RequestHeaders::bearer("bearerdmr_abc"), QByteArray());
    QCOMPARE(RequestHeaders::bearer(QByteArray()), QByteArray());
}

void TestRequestHeaders::sameOrigin_data()
{
    QTest::addColumn<QByteArray>("origin");
    QTest::addColumn<QByteArray>("host");
    QTest::addColumn<bool>("same");
    QTest::newRow("no origin (curl, scripts)") << QByteArray() << QByteArray("h:8000") << true;
    QTest::newRow("same host and port")
        << QByteArray("http://metrics.lan:8000") << QByteArray("metrics.lan:8000") << true;
    QTest::newRow("case") << QByteArray("https://Metrics.LAN:8443")
                          << QByteArray("metrics.lan:8443") << true;
    QTest::newRow("default port") << QByteArray("https://metrics.lan")
                                  << QByteArray("metrics.lan:443") << true;
    QTest::newRow("IPv6") << QByteArray("http://[::1]:8000") << QByteArray("[::1]:8000") << true;
    QTest::newRow("other host") << QByteArray("http://evil.example")
                                << QByteArray("metrics.lan:8000") << false;
    QTest::newRow("other port") << QByteArray("http://metrics.lan:9000")
                                << QByteArray("metrics.lan:8000") << false;
    QTest::newRow("suffix trick") << QByteArray("http://metrics.lan.evil.example:8000")
                                  << QByteArray("metrics.lan:8000") << false;
    QTest::newRow("null origin") << QByteArray("null") << QByteArray("metrics.lan:8000") << false;
}

void TestRequestHeaders::sameOrigin()
{
    QFETCH(QByteArray, origin);
    QFETCH(QByteArray, host);
    QFETCH(bool, same);
    QCOMPARE(RequestHeaders::sameOrigin(origin, host), same);
}

QTEST_APPLESS_MAIN(TestRequestHeaders)
#include "tst_requestheaders.moc"
