// SPDX-License-Identifier: MIT
#include "dmr/Codec.h"
#include "ingest/UdpReceiver.h"

#include <QHash>
#include <QTest>
#include <QThread>
#include <QUdpSocket>
#include <memory>
#include <vector>

using namespace dmr::console;

namespace {

// A receiver on its own thread, opened and stopped there, as the console runs it.
// Batches are collected on the test thread through a queued connection.
class ThreadedReceiver : public QObject
{
public:
    explicit ThreadedReceiver(UdpReceiver::Options options)
    {
        m_thread.setObjectName(QStringLiteral("udp"));
        m_receiver = new UdpReceiver(options);
        m_receiver->moveToThread(&m_thread);
        connect(
            m_receiver, &UdpReceiver::datagramsReceived, this, [this](const DatagramBatch &batch) {
                batchSizes.append(batch.size());
                datagrams.append(batch);
            });
        m_thread.start();
    }
    ~ThreadedReceiver() override
    {
        QMetaObject::invokeMethod(
            m_receiver, [this] { m_receiver->stop(); }, Qt::BlockingQueuedConnection);
        m_thread.quit();
        m_thread.wait();
        delete m_receiver;
    }

    bool open(QString *error)
    {
        bool ok = false;
        QMetaObject::invokeMethod(
            m_receiver, [&] { ok = m_receiver->open(error); }, Qt::BlockingQueuedConnection);
        return ok;
    }
    UdpReceiver *receiver() const { return m_receiver; }

    QList<int> batchSizes;
    DatagramBatch datagrams;

private:
    QThread m_thread;
    UdpReceiver *m_receiver = nullptr;
};

UdpReceiver::Options loopback(quint16 port = 0, bool reusePort = false)
{
    UdpReceiver::Options options;
    options.bind = QHostAddress::LocalHost;
    options.port = port;
    options.reusePort = reusePort;
    return options;
}

QByteArray payload(int index, int size)
{
    QByteArray bytes(size, '\0');
    for (int i = 0; i < size; ++i)
        bytes[i] = char((index * 31 + i * 7) & 0xff);
    if (size >= 4) {
        bytes[0] = char(index >> 24);
        bytes[1] = char(index >> 16);
        bytes[2] = char(index >> 8);
        bytes[3] = char(index);
    }
    return bytes;
}

} // namespace

class TestUdpReceiver : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void opensOnPortZero();
    void receivesEverything_data();
    void receivesEverything();
    void sizes_data();
    void sizes();
    void portInUse_data();
    void portInUse();
    void sharesThePortWithReusePort();
    void receivesOnIpv6();
};

void TestUdpReceiver::initTestCase()
{
    qRegisterMetaType<DatagramBatch>();
}

void TestUdpReceiver::opensOnPortZero()
{
    ThreadedReceiver threaded(loopback());
    QCOMPARE(threaded.receiver()->boundPort(), quint16(0));
    QString error;
    QVERIFY2(threaded.open(&error), qPrintable(error));
    QVERIFY(threaded.receiver()->boundPort() != 0);
    QCOMPARE(threaded.receiver()->receivedCount(), quint64(0));
}

void TestUdpReceiver::receivesEverything_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("size");

    QTest::newRow("1 datagram") << 1 << 200;
    QTest::newRow("64 datagrams, one full batch") << 64 << 200;
    QTest::newRow("65 datagrams") << 65 << 200;
    QTest::newRow("200 small datagrams") << 200 << 40;
    QTest::newRow("200 datagrams of the largest size") << 200 << int(dmr::kMaxDatagramSize);
}

void TestUdpReceiver::receivesEverything()
{
    QFETCH(int, count);
    QFETCH(int, size);

    ThreadedReceiver threaded(loopback());
    QString error;
    QVERIFY2(threaded.open(&error), qPrintable(error));
    const quint16 port = threaded.receiver()->boundPort();

    QUdpSocket sender;
    QVERIFY(sender.bind(QHostAddress::LocalHost, 0));
    for (int i = 0; i < count; ++i)
        QCOMPARE(
            sender.writeDatagram(payload(i, size), QHostAddress::LocalHost, port), qint64(size));

    QTRY_COMPARE_WITH_TIMEOUT(threaded.datagrams.size(), qsizetype(count), 5000);
    QCOMPARE(threaded.receiver()->receivedCount(), quint64(count));
    for (int i = 0; i < count; ++i) {
        const Datagram &datagram = threaded.datagrams.at(i);
        QCOMPARE(datagram.bytes, payload(i, size)); // all of them, in order, unchanged
        QCOMPARE(datagram.sender, QHostAddress(QHostAddress::LocalHost));
        QCOMPARE(datagram.senderPort, sender.localPort());
        QVERIFY(!datagram.truncated);
    }
    int total = 0;
    for (int batchSize : std::as_const(threaded.batchSizes)) {
        QVERIFY(batchSize >= 1 && batchSize <= 64);
        total += batchSize;
    }
    QCOMPARE(total, count);
    if (count > 64)
        QVERIFY(threaded.batchSizes.size() >= 2);
}

void TestUdpReceiver::sizes_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<bool>("truncated");

    QTest::newRow("empty") << 0 << false;
    QTest::newRow("1199 bytes") << 1199 << false;
    QTest::newRow("1200 bytes, the limit") << 1200 << false;
    QTest::newRow("1201 bytes") << 1201 << true;
    QTest::newRow("1500 bytes") << 1500 << true;
    QTest::newRow("60000 bytes") << 60000 << true;
}

void TestUdpReceiver::sizes()
{
    QFETCH(int, size);
    QFETCH(bool, truncated);

    ThreadedReceiver threaded(loopback());
    QString error;
    QVERIFY2(threaded.open(&error), qPrintable(error));
    QUdpSocket sender;
    const QByteArray bytes = payload(7, size);
    QCOMPARE(sender.writeDatagram(bytes, QHostAddress::LocalHost, threaded.receiver()->boundPort()),
        qint64(size));
    // A small one behind it shows the big one did not upset the socket.
    const QByteArray follower = payload(8, 16);
    sender.writeDatagram(follower, QHostAddress::LocalHost, threaded.receiver()->boundPort());

    QTRY_COMPARE(threaded.datagrams.size(), qsizetype(2));
    const Datagram &datagram = threaded.datagrams.at(0);
    QCOMPARE(datagram.truncated, truncated);
    if (truncated) {
        QVERIFY(datagram.bytes.size() > int(dmr::kMaxDatagramSize));
        QVERIFY(bytes.startsWith(datagram.bytes));
    } else {
        QCOMPARE(datagram.bytes, bytes);
    }
    QCOMPARE(threaded.datagrams.at(1).bytes, follower);
    QVERIFY(!threaded.datagrams.at(1).truncated);
}

void TestUdpReceiver::portInUse_data()
{
    QTest::addColumn<bool>("firstReusePort");
    QTest::addColumn<bool>("secondReusePort");

    QTest::newRow("neither shares") << false << false;
    // SO_REUSEPORT shares a port only among sockets that all set it.
    QTest::newRow("only the first shares") << true << false;
    QTest::newRow("only the second shares") << false << true;
}

void TestUdpReceiver::portInUse()
{
    QFETCH(bool, firstReusePort);
    QFETCH(bool, secondReusePort);

    ThreadedReceiver first(loopback(0, firstReusePort));
    QString error;
    QVERIFY2(first.open(&error), qPrintable(error));
    const quint16 port = first.receiver()->boundPort();

    ThreadedReceiver second(loopback(port, secondReusePort));
    QVERIFY(!second.open(&error));
    QVERIFY2(error.contains(QStringLiteral("port %1").arg(port)), qPrintable(error));
    QCOMPARE(second.receiver()->boundPort(), quint16(0));

    // The first one still works.
    QUdpSocket sender;
    sender.writeDatagram(payload(1, 10), QHostAddress::LocalHost, port);
    QTRY_COMPARE(first.datagrams.size(), qsizetype(1));
}

void TestUdpReceiver::sharesThePortWithReusePort()
{
    ThreadedReceiver first(loopback(0, true));
    QString error;
    QVERIFY2(first.open(&error), qPrintable(error));
    const quint16 port = first.receiver()->boundPort();
    ThreadedReceiver second(loopback(port, true));
    QVERIFY2(second.open(&error), qPrintable(error));
    QCOMPARE(second.receiver()->boundPort(), port);

    // Each client its own ephemeral source port, as each agent has: the kernel
    // picks the receiver by hashing the source address and port.
    constexpr int kClients = 64;
    constexpr int kPerClient = 4;
    std::vector<std::unique_ptr<QUdpSocket>> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.push_back(std::make_unique<QUdpSocket>());
        QVERIFY(clients.back()->bind(QHostAddress::LocalHost, 0));
    }
    for (int i = 0; i < kPerClient; ++i) {
        for (int c = 0; c < kClients; ++c)
            QCOMPARE(clients[c]->writeDatagram(
                         payload(c * kPerClient + i, 40), QHostAddress::LocalHost, port),
                qint64(40));
    }

    constexpr qsizetype kSent = kClients * kPerClient;
    QTRY_COMPARE_WITH_TIMEOUT(first.datagrams.size() + second.datagrams.size(), kSent, 5000);
    QCOMPARE(
        first.receiver()->receivedCount() + second.receiver()->receivedCount(), quint64(kSent));
    QVERIFY2(!first.datagrams.isEmpty() && !second.datagrams.isEmpty(),
        qPrintable(QStringLiteral("first %1, second %2")
                       .arg(first.datagrams.size())
                       .arg(second.datagrams.size())));

    // All of one client's datagrams reach the same receiver.
    const ThreadedReceiver *receivers[] = {&first, &second};
    QHash<quint16, int> receiverOf; // client's port -> index in receivers
    QHash<quint16, int> countOf;
    for (int r = 0; r < 2; ++r) {
        for (const Datagram &datagram : receivers[r]->datagrams) {
            QCOMPARE(receiverOf.value(datagram.senderPort, r), r);
            receiverOf.insert(datagram.senderPort, r);
            ++countOf[datagram.senderPort];
        }
    }
    QCOMPARE(receiverOf.size(), kClients);
    for (const auto &client : clients)
        QCOMPARE(countOf.value(client->localPort()), kPerClient);
}

void TestUdpReceiver::receivesOnIpv6()
{
    {
        QUdpSocket probe;
        if (!probe.bind(QHostAddress::LocalHostIPv6, 0))
            QSKIP("no IPv6 loopback here");
    }
    UdpReceiver::Options options;
    options.bind = QHostAddress::LocalHostIPv6;
    options.port = 0;
    ThreadedReceiver threaded(options);
    QString error;
    QVERIFY2(threaded.open(&error), qPrintable(error));
    QUdpSocket sender;
    QVERIFY(sender.bind(QHostAddress::LocalHostIPv6, 0));
    sender.writeDatagram(
        payload(3, 50), QHostAddress::LocalHostIPv6, threaded.receiver()->boundPort());
    QTRY_COMPARE(threaded.datagrams.size(), qsizetype(1));
    QCOMPARE(threaded.datagrams.at(0).bytes, payload(3, 50));
    QCOMPARE(threaded.datagrams.at(0).sender, QHostAddress(QHostAddress::LocalHostIPv6));
    QCOMPARE(threaded.datagrams.at(0).senderPort, sender.localPort());
}

QTEST_GUILESS_MAIN(TestUdpReceiver)
#include "tst_udpreceiver.moc"
