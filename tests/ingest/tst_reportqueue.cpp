// SPDX-License-Identifier: MIT
#include "ingest/ReportQueue.h"
#include "support/TestReports.h"

#include <QElapsedTimer>
#include <QTest>
#include <QThread>

using namespace dmr::console;

namespace {

// Reports numbered by their sequence, so that order is easy to check.
std::vector<AcceptedReport> numbered(quint64 first, quint64 count)
{
    std::vector<AcceptedReport> reports;
    for (quint64 sequence = first; sequence < first + count; ++sequence) {
        AcceptedReport accepted;
        accepted.report = TestReports::makeReport(TestReports::deviceId(1), 1, sequence, 0);
        accepted.device.lastSequence = sequence;
        reports.push_back(std::move(accepted));
    }
    return reports;
}

QList<quint64> sequences(const std::vector<AcceptedReport> &reports)
{
    QList<quint64> list;
    for (const AcceptedReport &accepted : reports)
        list.append(accepted.report.sequence);
    return list;
}

QList<quint64> range(quint64 first, quint64 last)
{
    QList<quint64> list;
    for (quint64 i = first; i <= last; ++i)
        list.append(i);
    return list;
}

} // namespace

class TestReportQueue : public QObject
{
    Q_OBJECT
private slots:
    void push_data();
    void push();
    void takeIsFifo();
    void takeFromEmpty();
    void pushFrontGoesFirst();
    void pushFrontTrimsTheOldest();
    void concurrentProducerAndConsumer();
};

void TestReportQueue::push_data()
{
    QTest::addColumn<int>("capacity");
    QTest::addColumn<QList<int>>("pushes"); // sizes of successive push() calls
    QTest::addColumn<QList<int>>("dropped"); // what each push() returns
    QTest::addColumn<quint64>("firstKept");

    QTest::newRow("fits") << 10 << QList<int> {3, 4} << QList<int> {0, 0} << quint64(1);
    QTest::newRow("exactly full") << 10 << QList<int> {10} << QList<int> {0} << quint64(1);
    QTest::newRow("one over") << 10 << QList<int> {10, 1} << QList<int> {0, 1} << quint64(2);
    QTest::newRow("one push over capacity")
        << 10 << QList<int> {25} << QList<int> {15} << quint64(16);
    QTest::newRow("several overflows")
        << 5 << QList<int> {4, 4, 4} << QList<int> {0, 3, 4} << quint64(8);
    QTest::newRow("capacity 1") << 1 << QList<int> {1, 1, 3} << QList<int> {0, 1, 3} << quint64(5);
}

void TestReportQueue::push()
{
    QFETCH(int, capacity);
    QFETCH(QList<int>, pushes);
    QFETCH(QList<int>, dropped);
    QFETCH(quint64, firstKept);

    ReportQueue queue {std::size_t(capacity)};
    QCOMPARE(queue.capacity(), std::size_t(capacity));
    quint64 next = 1;
    for (int i = 0; i < pushes.size(); ++i) {
        std::vector<AcceptedReport> reports = numbered(next, quint64(pushes[i]));
        next += quint64(pushes[i]);
        QCOMPARE(queue.push(std::move(reports)), std::size_t(dropped[i]));
        QVERIFY(reports.empty());
        QVERIFY(queue.size() <= std::size_t(capacity));
    }
    const quint64 last = next - 1;
    QCOMPARE(queue.size(), std::size_t(last - firstKept + 1));
    QCOMPARE(sequences(queue.take(std::size_t(capacity) + 10)), range(firstKept, last));
    QCOMPARE(queue.size(), std::size_t(0));
}

void TestReportQueue::takeIsFifo()
{
    ReportQueue queue(100);
    queue.push(numbered(1, 5));
    queue.push(numbered(6, 5));
    QCOMPARE(sequences(queue.take(3)), range(1, 3));
    QCOMPARE(queue.size(), std::size_t(7));
    QCOMPARE(sequences(queue.take(4)), range(4, 7));
    QCOMPARE(sequences(queue.take(100)), range(8, 10));
    QCOMPARE(queue.size(), std::size_t(0));
}

void TestReportQueue::takeFromEmpty()
{
    ReportQueue queue(10);
    QVERIFY(queue.take(5).empty());
    queue.push(numbered(1, 2));
    QVERIFY(queue.take(0).empty());
    QCOMPARE(queue.size(), std::size_t(2));
}

void TestReportQueue::pushFrontGoesFirst()
{
    ReportQueue queue(100);
    queue.push(numbered(1, 10));
    std::vector<AcceptedReport> batch = queue.take(4); // 1..4 fail to be written
    queue.push(numbered(11, 2));
    QCOMPARE(queue.pushFront(std::move(batch)), std::size_t(0));
    QVERIFY(batch.empty());
    QCOMPARE(queue.size(), std::size_t(12));
    QCOMPARE(sequences(queue.take(100)), range(1, 12));
}

void TestReportQueue::pushFrontTrimsTheOldest()
{
    ReportQueue queue(10);
    queue.push(numbered(1, 10));
    std::vector<AcceptedReport> batch = queue.take(6); // 1..6 out, 7..10 in
    queue.push(numbered(11, 5)); // 7..15: 9 queued
    QCOMPARE(queue.pushFront(std::move(batch)), std::size_t(5)); // 1..5 do not fit
    QCOMPARE(queue.size(), std::size_t(10));
    QCOMPARE(sequences(queue.take(100)), range(6, 15));
}

void TestReportQueue::concurrentProducerAndConsumer()
{
    constexpr quint64 kTotal = 20000;
    ReportQueue queue(kTotal);
    QThread *producer = QThread::create([&queue] {
        for (quint64 first = 1; first <= kTotal; first += 100)
            queue.push(numbered(first, 100));
    });
    producer->start();
    QList<quint64> seen;
    QElapsedTimer timer;
    timer.start();
    while (seen.size() < qsizetype(kTotal) && timer.elapsed() < 10000)
        seen += sequences(queue.take(37));
    QVERIFY(producer->wait(10000));
    delete producer;
    QCOMPARE(seen, range(1, kTotal));
}

QTEST_GUILESS_MAIN(TestReportQueue)
#include "tst_reportqueue.moc"
