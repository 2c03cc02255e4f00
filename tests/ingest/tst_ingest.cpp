// SPDX-License-Identifier: MIT
#include "ingest/Ingest.h"
#include "ingest/IngestCounters.h"
#include "ingest/ReportQueue.h"
#include "ingest/SequenceWindow.h"
#include "support/TestHardware.h"
#include "support/TestReports.h"

#include <QSignalSpy>
#include <QTest>
#include <random>

using namespace dmr::console;

using TestReports::encoded;
using TestReports::makeReport;

namespace {

const std::string kDevice = TestReports::deviceId(1);
constexpr int kAccepted = -1; // in the `expected` column: no rejection
// Where kDevice's run 1 stands before each test's datagram: far enough along
// that a sequence can be older than the replay window (8192).
constexpr quint64 kBase = 10000;

Datagram datagram(const QByteArray &bytes, bool truncated = false)
{
    Datagram d;
    d.bytes = bytes;
    d.sender = QHostAddress(QStringLiteral("192.0.2.10"));
    d.senderPort = 40000;
    d.truncated = truncated;
    return d;
}

Datagram valid(const std::string &device, quint64 sequence, quint32 run = 1)
{
    return datagram(encoded(makeReport(device, run, sequence)));
}

// One datagram of each kind the console must tell apart, for device kDevice
// after it has sent sequence kBase of run 1.
Datagram ofKind(const QString &kind)
{
    if (kind == QLatin1String("next sequence"))
        return valid(kDevice, kBase + 1);
    if (kind == QLatin1String("late sequence"))
        return valid(kDevice, kBase - 1);
    if (kind == QLatin1String("new run"))
        return valid(kDevice, 1, 2);
    if (kind == QLatin1String("other device"))
        return valid(TestReports::deviceId(2), 100);
    if (kind == QLatin1String("empty"))
        return datagram(QByteArray());
    if (kind == QLatin1String("random bytes")) {
        std::mt19937 random(20240601);
        QByteArray bytes(300, '\0');
        for (char &c : bytes)
            c = char(random() & 0xff);
        bytes[0] = '\xff'; // an invalid wire type right away
        return datagram(bytes);
    }
    if (kind == QLatin1String("text"))
        return datagram(QByteArrayLiteral("GET / HTTP/1.1\r\nHost: console\r\n\r\n"));
    if (kind == QLatin1String("truncated datagram"))
        return datagram(encoded(makeReport(kDevice, 1, 101)).left(60));
    if (kind == QLatin1String("oversize"))
        return datagram(QByteArray(int(dmr::kMaxDatagramSize) + 1, '\x0a'));
    if (kind == QLatin1String("truncated by the socket"))
        return datagram(encoded(makeReport(kDevice, 1, kBase + 1)), true);
    if (kind == QLatin1String("sequence 0"))
        return datagram(encoded(makeReport(kDevice, 1, 0)));
    if (kind == QLatin1String("memory used over total")) {
        dmr::Report report = makeReport(kDevice, 1, 101);
        report.system.memoryUsedKb = report.system.memoryTotalKb + 1;
        return datagram(encoded(report));
    }
    if (kind == QLatin1String("cpu over 100")) {
        dmr::Report report = makeReport(kDevice, 1, 101);
        report.system.cpuPercent = 150;
        return datagram(encoded(report));
    }
    if (kind == QLatin1String("signed")) {
        // Field 2 (security) = 1 (SECURITY_SIGN) appended to a valid envelope:
        // signed, says the envelope, with key 0, which nobody has.
        return datagram(encoded(makeReport(kDevice, 1, kBase + 1)) + QByteArrayLiteral("\x10\x01"));
    }
    if (kind == QLatin1String("payload not a report"))
        return datagram(QByteArrayLiteral("\x0a\x03\xff\xff\xff"));
    if (kind == QLatin1String("duplicate"))
        return valid(kDevice, kBase);
    if (kind == QLatin1String("stale"))
        return valid(kDevice, kBase - SequenceWindow::kWidth);
    qFatal("unknown kind %s", qPrintable(kind));
    return {};
}

} // namespace

class TestIngest : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void oneOfEachKind_data();
    void oneOfEachKind();
    void mixedBatch();
    void rejectedOnlyBatchEmitsNothing();
    void fullQueueDropsOldest();
    void restoredDeviceKeepsUuid();
    void alertingHearsLabelsOfAnEarlierReport();
    void hardwareFactsFilledOrCountedUnknown();
};

void TestIngest::initTestCase()
{
    qRegisterMetaType<QList<DeviceSnapshot>>();
}

void TestIngest::oneOfEachKind_data()
{
    QTest::addColumn<QString>("kind");
    QTest::addColumn<int>("expected"); // a Rejection, or kAccepted

    QTest::newRow("next sequence") << "next sequence" << kAccepted;
    QTest::newRow("late sequence") << "late sequence" << kAccepted;
    QTest::newRow("new run") << "new run" << kAccepted;
    QTest::newRow("other device") << "other device" << kAccepted;
    QTest::newRow("empty") << "empty" << int(Rejection::Empty);
    QTest::newRow("random bytes") << "random bytes" << int(Rejection::Malformed);
    QTest::newRow("text") << "text" << int(Rejection::Malformed);
    QTest::newRow("truncated datagram") << "truncated datagram" << int(Rejection::Malformed);
    QTest::newRow("oversize") << "oversize" << int(Rejection::Oversize);
    QTest::newRow("truncated by the socket")
        << "truncated by the socket" << int(Rejection::Oversize);
    QTest::newRow("sequence 0") << "sequence 0" << int(Rejection::Invalid);
    QTest::newRow("memory used over total") << "memory used over total" << int(Rejection::Invalid);
    QTest::newRow("cpu over 100") << "cpu over 100" << int(Rejection::Invalid);
    QTest::newRow("signed with an unknown key") << "signed" << int(Rejection::UnknownDevice);
    QTest::newRow("payload not a report") << "payload not a report" << int(Rejection::Malformed);
    QTest::newRow("duplicate") << "duplicate" << int(Rejection::Duplicate);
    QTest::newRow("stale") << "stale" << int(Rejection::Stale);
}

void TestIngest::oneOfEachKind()
{
    QFETCH(QString, kind);
    QFETCH(int, expected);

    ReportQueue queue(1000);
    IngestCounters counters;
    Ingest ingest(&queue, &counters, [] { return qint64(1795000000000LL); });
    ingest.ingest({valid(kDevice, kBase)});
    QCOMPARE(queue.size(), std::size_t(1));

    if (expected != kAccepted)
        QTest::ignoreMessage(QtWarningMsg,
            QRegularExpression(QStringLiteral("rejected datagram from 192.0.2.10:40000: %1")
                                   .arg(rejectionName(Rejection(expected)))));
    ingest.ingest({ofKind(kind)});

    QCOMPARE(counters.received.load(), quint64(2));
    QCOMPARE(counters.accepted.load(), quint64(expected == kAccepted ? 2 : 1));
    QCOMPARE(counters.received.load(), counters.accepted.load() + counters.rejectedTotal());
    for (int reason = 0; reason < int(Rejection::Count); ++reason)
        QCOMPARE(counters.rejectedFor(Rejection(reason)), quint64(reason == expected ? 1 : 0));
    QCOMPARE(queue.size(), std::size_t(expected == kAccepted ? 2 : 1));
}

void TestIngest::mixedBatch()
{
    ReportQueue queue(1000);
    IngestCounters counters;
    qint64 now = 1795000000000LL;
    Ingest ingest(&queue, &counters, [&now] { return now++; });
    QSignalSpy updated(&ingest, &Ingest::devicesUpdated);
    ingest.ingest({valid(kDevice, kBase)});
    QCOMPARE(updated.count(), 1);
    queue.take(1);

    const std::string other = TestReports::deviceId(2);
    const std::string third = TestReports::deviceId(3);
    DatagramBatch batch;
    QList<QPair<std::string, quint64>> expectedQueue;
    auto addValid = [&](const std::string &device, quint64 sequence) {
        batch.append(valid(device, sequence));
        expectedQueue.append({device, sequence});
    };
    addValid(kDevice, kBase + 1);
    batch.append(ofKind(QStringLiteral("empty")));
    addValid(other, 1);
    batch.append(ofKind(QStringLiteral("random bytes")));
    batch.append(ofKind(QStringLiteral("truncated datagram")));
    addValid(kDevice, kBase + 3);
    batch.append(ofKind(QStringLiteral("oversize")));
    batch.append(ofKind(QStringLiteral("truncated by the socket")));
    addValid(third, 5);
    batch.append(ofKind(QStringLiteral("sequence 0")));
    batch.append(ofKind(QStringLiteral("signed")));
    batch.append(valid(kDevice, kBase + 1)); // duplicate within the batch
    batch.append(ofKind(QStringLiteral("stale")));
    addValid(kDevice, kBase + 2); // late, fills the gap
    addValid(other, 2);
    batch.append(valid(other, 2)); // duplicate
    batch.append(ofKind(QStringLiteral("text")));

    // Every rejection is logged; there are fewer than the log budget here.
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("^rejected datagram")));
    for (int i = 1; i < 11; ++i)
        QTest::ignoreMessage(
            QtWarningMsg, QRegularExpression(QStringLiteral("^rejected datagram")));
    ingest.ingest(batch);

    QCOMPARE(counters.received.load(), quint64(1 + batch.size()));
    QCOMPARE(counters.accepted.load(), quint64(1 + expectedQueue.size()));
    QCOMPARE(counters.received.load(), counters.accepted.load() + counters.rejectedTotal());
    QCOMPARE(counters.rejectedFor(Rejection::Empty), quint64(1));
    QCOMPARE(counters.rejectedFor(Rejection::Malformed), quint64(3));
    QCOMPARE(counters.rejectedFor(Rejection::Oversize), quint64(2));
    QCOMPARE(counters.rejectedFor(Rejection::Invalid), quint64(1));
    QCOMPARE(counters.rejectedFor(Rejection::UnknownDevice), quint64(1));
    QCOMPARE(counters.rejectedFor(Rejection::Duplicate), quint64(2));
    QCOMPARE(counters.rejectedFor(Rejection::Stale), quint64(1));

    const std::vector<AcceptedReport> queued = queue.take(100);
    QCOMPARE(queued.size(), std::size_t(expectedQueue.size()));
    for (std::size_t i = 0; i < queued.size(); ++i) {
        QCOMPARE(queued[i].report.deviceId, expectedQueue[int(i)].first);
        QCOMPARE(queued[i].report.sequence, expectedQueue[int(i)].second);
        QCOMPARE(queued[i].device.deviceId, QString::fromStdString(expectedQueue[int(i)].first));
        QCOMPARE(queued[i].report,
            makeReport(expectedQueue[int(i)].first, 1, expectedQueue[int(i)].second));
    }

    // One signal per batch, with each device once, in its newest state.
    QCOMPARE(updated.count(), 2);
    const auto devices = updated.at(1).at(0).value<QList<DeviceSnapshot>>();
    QCOMPARE(devices.size(), 3);
    for (const DeviceSnapshot &device : devices) {
        const DeviceSnapshot *known = ingest.registry().find(device.deviceId.toStdString());
        QVERIFY(known);
        QCOMPARE(device.uuid, known->uuid);
        QCOMPARE(device.reportsReceived, known->reportsReceived);
        QCOMPARE(device.lastSequence, known->lastSequence);
        QCOMPARE(device.lastSeen, known->lastSeen);
    }
    const DeviceSnapshot *first = ingest.registry().find(kDevice);
    QCOMPARE(first->reportsReceived, quint64(4));
    QCOMPARE(first->lastSequence, kBase + 3);
    QCOMPARE(first->reportsLost, kBase - 1); // first seen at kBase; kBase + 2 came late
    QCOMPARE(ingest.registry().find(third)->reportsLost, quint64(4));
}

void TestIngest::rejectedOnlyBatchEmitsNothing()
{
    ReportQueue queue(10);
    IngestCounters counters;
    Ingest ingest(&queue, &counters);
    QSignalSpy updated(&ingest, &Ingest::devicesUpdated);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("empty")));
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("malformed")));
    ingest.ingest({ofKind(QStringLiteral("empty")), ofKind(QStringLiteral("text"))});
    QCOMPARE(updated.count(), 0);
    QCOMPARE(queue.size(), std::size_t(0));
    QCOMPARE(counters.accepted.load(), quint64(0));
    QCOMPARE(counters.rejectedTotal(), quint64(2));
}

void TestIngest::fullQueueDropsOldest()
{
    ReportQueue queue(5);
    IngestCounters counters;
    Ingest ingest(&queue, &counters);
    DatagramBatch batch;
    for (quint64 sequence = 1; sequence <= 8; ++sequence)
        batch.append(valid(kDevice, sequence));
    QTest::ignoreMessage(
        QtWarningMsg, QRegularExpression(QStringLiteral("writer queue full.*3 dropped so far")));
    ingest.ingest(batch);
    QCOMPARE(counters.accepted.load(), quint64(8));
    QCOMPARE(counters.dropped.load(), quint64(3));
    const std::vector<AcceptedReport> queued = queue.take(10);
    QCOMPARE(queued.size(), std::size_t(5));
    QCOMPARE(queued.front().report.sequence, quint64(4));
    QCOMPARE(queued.back().report.sequence, quint64(8));
}

void TestIngest::restoredDeviceKeepsUuid()
{
    DeviceSnapshot saved;
    saved.uuid = QStringLiteral("0b7f3a52-5d1e-4c1a-9f7e-2f6a1d3c4b5a");
    saved.deviceId = QString::fromStdString(kDevice);
    saved.createdAt = 1700000000000LL;
    saved.runId = 1;
    saved.lastSequence = 100;
    saved.reportsReceived = 100;

    ReportQueue queue(10);
    IngestCounters counters;
    Ingest ingest(&queue, &counters);
    ingest.restore({saved});
    ingest.ingest({valid(kDevice, 101)});
    const std::vector<AcceptedReport> queued = queue.take(10);
    QCOMPARE(queued.size(), std::size_t(1));
    QCOMPARE(queued[0].device.uuid, saved.uuid);
    QCOMPARE(queued[0].device.createdAt, saved.createdAt);
    QCOMPARE(queued[0].device.reportsReceived, quint64(101));
}

void TestIngest::hardwareFactsFilledOrCountedUnknown()
{
    auto withHardware = [](quint64 sequence, bool factsIncluded) {
        dmr::Report report = makeReport(kDevice, 1, sequence);
        report.hardware = dmr::test::sampleHardware();
        report.factsHash = dmr::factsHash(report.hardware);
        report.factsIncluded = factsIncluded;
        return datagram(encoded(report));
    };
    ReportQueue queue(10);
    IngestCounters counters;
    Ingest ingest(&queue, &counters);
    // Only the hash, and the console has not heard the facts (a restart): the
    // report is stored without temperatures and file systems, and counted.
    ingest.ingest({withHardware(1, false)});
    QCOMPARE(counters.factsUnknown.load(), quint64(1));
    std::vector<AcceptedReport> queued = queue.take(10);
    QCOMPARE(queued.size(), std::size_t(1));
    QVERIFY(queued[0].report.hardware.temperatures.empty());
    QVERIFY(queued[0].report.hardware.fileSystems.empty());
    QVERIFY(!queued[0].report.hardware.corePercents.empty());
    // The full facts, then the hash: the names filled in.
    ingest.ingest({withHardware(2, true), withHardware(3, false)});
    QCOMPARE(counters.factsUnknown.load(), quint64(1));
    queued = queue.take(10);
    QCOMPARE(queued.size(), std::size_t(2));
    QCOMPARE(queued[1].report.hardware, dmr::test::sampleHardware());
    QVERIFY(counters.summary().contains(QStringLiteral("facts_unknown=1")));
    // A deleted device's facts are forgotten.
    ingest.forgetDevice(QString::fromStdString(kDevice), queued[1].device.uuid);
    ingest.ingest({withHardware(4, false)});
    QCOMPARE(counters.factsUnknown.load(), quint64(2));
}

void TestIngest::alertingHearsLabelsOfAnEarlierReport()
{
    // An agent's first report carries its labels whole, the next ones only
    // their hash; both in one batch, alerting hears of the last with the labels.
    dmr::Report first = makeReport(kDevice, 1, 1);
    first.labels = {{"location", "lab"}, {"role", "gateway"}};
    first.labelsHash = dmr::labelsHash(first.labels);
    dmr::Report second = makeReport(kDevice, 1, 2);
    second.labelsHash = first.labelsHash;
    ReportQueue queue(10);
    IngestCounters counters;
    Ingest ingest(&queue, &counters);
    QSignalSpy heard(&ingest, &Ingest::reportsAccepted);
    ingest.ingest({datagram(encoded(first)), datagram(encoded(second))});
    QCOMPARE(heard.count(), 1);
    const auto reports = heard.first().first().value<QList<AcceptedReport>>();
    QCOMPARE(reports.size(), 1);
    QCOMPARE(reports.first().report.sequence, quint64(2));
    QCOMPARE(reports.first().report.labels, first.labels);
    QCOMPARE(queue.take(10).size(), std::size_t(2)); // both stored

    // Labels that changed in between are not handed on: the later hash wins.
    dmr::Report third = makeReport(kDevice, 1, 3);
    third.labels = first.labels;
    third.labelsHash = first.labelsHash;
    dmr::Report fourth = makeReport(kDevice, 1, 4);
    fourth.labelsHash = dmr::labelsHash({{"location", "shed"}});
    ingest.ingest({datagram(encoded(third)), datagram(encoded(fourth))});
    QCOMPARE(heard.count(), 2);
    QVERIFY(heard.last().first().value<QList<AcceptedReport>>().first().report.labels.empty());
}

QTEST_GUILESS_MAIN(TestIngest)
#include "tst_ingest.moc"
