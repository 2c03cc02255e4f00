// SPDX-License-Identifier: MIT
// RequestSizeGuard::declaredLength reads Content-Length out of a request head.
#include "http/RequestSizeGuard.h"

#include <QTest>

using namespace dmr::console;

class TestRequestSizeGuard : public QObject
{
    Q_OBJECT
private slots:
    void declaredLength_data();
    void declaredLength();
};

void TestRequestSizeGuard::declaredLength_data()
{
    QTest::addColumn<QByteArray>("head");
    QTest::addColumn<qint64>("length");
    QTest::newRow("none") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\r\n") << qint64(-1);
    QTest::newRow("plain") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 42\r\n\r\n{")
                           << qint64(42);
    QTest::newRow("any case, spaces")
        << QByteArray("POST / HTTP/1.1\r\nhost: x\r\ncontent-LENGTH:    70000  \r\n\r\n")
        << qint64(70000);
    QTest::newRow("huge") << QByteArray("POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n")
                          << qint64(99999999999);
    QTest::newRow("head not complete yet")
        << QByteArray("POST / HTTP/1.1\r\nContent-Length: 42\r\n") << qint64(-1);
    QTest::newRow("not a number") << QByteArray("POST / HTTP/1.1\r\nContent-Length: lots\r\n\r\n")
                                  << qint64(-1);
    QTest::newRow("negative") << QByteArray("POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n")
                              << qint64(-1);
    QTest::newRow("in the body only")
        << QByteArray("POST / HTTP/1.1\r\nHost: x\r\n\r\nContent-Length: 9") << qint64(-1);
    QTest::newRow("a look-alike header")
        << QByteArray("POST / HTTP/1.1\r\nX-Content-Length: 9\r\n\r\n") << qint64(-1);
}

void TestRequestSizeGuard::declaredLength()
{
    QFETCH(QByteArray, head);
    QFETCH(qint64, length);
    QCOMPARE(RequestSizeGuard::declaredLength(head), length);
}

QTEST_APPLESS_MAIN(TestRequestSizeGuard)
#include "tst_requestsizeguard.moc"
