// SPDX-License-Identifier: MIT
#include "ResendBuffer.h"

#include <QTest>

using dmr::agent::ResendBuffer;

class TestResendBuffer : public QObject
{
    Q_OBJECT
private slots:
    void nothingIsResentBeforeTheFirstAck();
    void acknowledgedReportsAreForgotten();
    void missingReportsAreDueAfterAWhile();
    void fullBufferDropsTheOldest();
    void ackOfAnotherRunIsIgnored();
    void changesCountComingAndGoing();
};

namespace {

constexpr std::uint32_t kRun = 0x1234abcd;

ResendBuffer filled(std::size_t capacity, std::uint64_t count)
{
    ResendBuffer buffer(capacity, kRun);
    for (std::uint64_t s = 1; s <= count; ++s)
        buffer.add(s, "payload " + std::to_string(s), std::int64_t(s) * 1000);
    return buffer;
}

dmr::Ack ack(std::uint64_t contiguous, std::uint64_t above = 0, std::uint32_t run = kRun)
{
    dmr::Ack a;
    a.runId = run;
    a.contiguous = contiguous;
    a.storedAbove = above;
    return a;
}

} // namespace

void TestResendBuffer::nothingIsResentBeforeTheFirstAck()
{
    ResendBuffer buffer = filled(100, 10);
    QVERIFY(!buffer.hasDue(1000000, 10000));
    QVERIFY(buffer.takeDue(1000000, 10000, 100).empty());
    QVERIFY(!buffer.heardFromConsole());
}

void TestResendBuffer::acknowledgedReportsAreForgotten()
{
    ResendBuffer buffer = filled(100, 10);
    // 1..4 stored, 5 missing, 6 and 8 stored (bits 0 and 2 above 4 + 1).
    QCOMPARE(buffer.acknowledge(ack(4, 0b101)), std::size_t(6));
    QCOMPARE(buffer.size(), std::size_t(4)); // 5, 7, 9, 10
    QCOMPARE(buffer.acknowledged(), quint64(6));
    QVERIFY(buffer.heardFromConsole());
}

void TestResendBuffer::missingReportsAreDueAfterAWhile()
{
    ResendBuffer buffer = filled(100, 10); // sent at 1 s .. 10 s
    buffer.acknowledge(ack(4, 0b101));
    // At 16 s with a 10 s wait: 5 (sent at 5 s) is due; 7, 9, 10 are not yet.
    auto due = buffer.takeDue(16000, 10000, 100);
    QCOMPARE(due.size(), std::size_t(1));
    QCOMPARE(due[0]->sequence, quint64(5));
    QCOMPARE(due[0]->payload, std::string("payload 5"));
    // Just resent: not due again at once.
    QVERIFY(buffer.takeDue(16000, 10000, 100).empty());
    // At 30 s all four are due, but the rate allows two: the oldest first.
    due = buffer.takeDue(30000, 10000, 2);
    QCOMPARE(due.size(), std::size_t(2));
    QCOMPARE(due[0]->sequence, quint64(5));
    QCOMPARE(due[1]->sequence, quint64(7));
    buffer.acknowledge(ack(10));
    QCOMPARE(buffer.size(), std::size_t(0));
    QVERIFY(!buffer.hasDue(100000, 10000));
}

void TestResendBuffer::fullBufferDropsTheOldest()
{
    ResendBuffer buffer = filled(3, 5);
    QCOMPARE(buffer.size(), std::size_t(3));
    QCOMPARE(buffer.evicted(), quint64(2));
    buffer.acknowledge(ack(0));
    const auto due = buffer.takeDue(100000, 10000, 10);
    QCOMPARE(due.size(), std::size_t(3));
    QCOMPARE(due[0]->sequence, quint64(3));
    // A buffer of none keeps nothing.
    QCOMPARE(filled(0, 5).size(), std::size_t(0));
}

void TestResendBuffer::ackOfAnotherRunIsIgnored()
{
    ResendBuffer buffer = filled(100, 10);
    QCOMPARE(buffer.acknowledge(ack(10, 0, kRun + 1)), std::size_t(0));
    QCOMPARE(buffer.size(), std::size_t(10));
    QVERIFY(!buffer.heardFromConsole());
}

void TestResendBuffer::changesCountComingAndGoing()
{
    ResendBuffer buffer = filled(3, 5);
    QCOMPARE(buffer.changes(), quint64(5)); // evictions ride on the adds
    buffer.acknowledge(ack(0));
    QCOMPARE(buffer.changes(), quint64(5)); // nothing removed
    // Resending changes nothing a copy on disk holds.
    QCOMPARE(buffer.takeDue(100000, 10000, 10).size(), std::size_t(3));
    QCOMPARE(buffer.changes(), quint64(5));
    buffer.acknowledge(ack(4)); // 3 and 4 go
    QCOMPARE(buffer.changes(), quint64(7));
    QCOMPARE(buffer.entries().front().sequence, quint64(5));
}

QTEST_APPLESS_MAIN(TestResendBuffer)
#include "tst_resendbuffer.moc"
