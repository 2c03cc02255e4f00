// SPDX-License-Identifier: MIT
#include "ingest/SequenceWindow.h"

#include <QTest>
#include <random>
#include <set>

using namespace dmr::console;

class TestSequenceWindow : public QObject
{
    Q_OBJECT
private slots:
    void matchesASetModel_data();
    void matchesASetModel();
    void bitsAboveDescribeTheGap();
    void hexRoundTrip();
    void removeBelowTheBase();
};

void TestSequenceWindow::matchesASetModel_data()
{
    QTest::addColumn<quint64>("spread"); // how far around the newest the numbers land
    QTest::addColumn<int>("seed");
    QTest::newRow("dense, in order-ish") << quint64(8) << 1;
    QTest::newRow("a few hundred apart") << quint64(300) << 2;
    QTest::newRow("wider than the window") << quint64(3 * SequenceWindow::kWidth) << 3;
}

// Random inserts and removals against std::set with the same rules: a number
// at or below highest - kWidth is stale, one in the set a duplicate.
void TestSequenceWindow::matchesASetModel()
{
    QFETCH(quint64, spread);
    QFETCH(int, seed);
    std::mt19937_64 random {quint64(seed)};
    SequenceWindow window;
    std::set<quint64> model;
    quint64 highest = 0;
    quint64 front = 1;
    for (int step = 0; step < 200000; ++step) {
        front += random() % 3;
        const quint64 low = front > spread ? front - spread : 1;
        const quint64 sequence = low + random() % (front + spread - low + 1);
        const bool stale
            = highest >= SequenceWindow::kWidth && sequence <= highest - SequenceWindow::kWidth;
        if (random() % 10 == 0) {
            // Forget one (a dropped report): only within reach.
            const bool removed = window.remove(sequence);
            const bool reachable = sequence >= 1 && sequence <= highest && !stale;
            QCOMPARE(removed, reachable);
            if (removed)
                model.erase(sequence);
            continue;
        }
        SequenceWindow::Insert expected = SequenceWindow::Insert::Added;
        if (stale)
            expected = SequenceWindow::Insert::Stale;
        else if (model.count(sequence))
            expected = SequenceWindow::Insert::Duplicate;
        QCOMPARE(window.insert(sequence), expected);
        if (expected == SequenceWindow::Insert::Added) {
            model.insert(sequence);
            highest = std::max(highest, sequence);
        }
        QCOMPARE(window.highest(), highest);
        if (step % 997 == 0) {
            // Everything the window says it holds within reach, the model holds.
            const quint64 from
                = highest > SequenceWindow::kWidth ? highest - SequenceWindow::kWidth + 1 : 1;
            for (quint64 s = from; s <= highest; ++s)
                QCOMPARE(window.contains(s), model.count(s) == 1);
        }
    }
}

void TestSequenceWindow::bitsAboveDescribeTheGap()
{
    SequenceWindow window;
    for (quint64 s : {1, 2, 3, 5, 6, 9, 70})
        window.insert(s);
    QCOMPARE(window.contiguous(), quint64(3));
    // bit i: 3 + 2 + i, so 5 -> 0, 6 -> 1, 9 -> 4, 70 -> 65 (beyond 64 bits).
    QCOMPARE(window.bitsAbove(), quint64(0b10011));
    window.insert(4);
    QCOMPARE(window.contiguous(), quint64(6));
    // 9 -> bit 1, 70 -> bit 62: now inside the 64.
    QCOMPARE(window.bitsAbove(), quint64(1) << 62 | 0b10);
}

void TestSequenceWindow::hexRoundTrip()
{
    SequenceWindow window;
    for (quint64 s : {1, 2, 4, 7, 100, 4000})
        window.insert(s);
    const SequenceWindow copy = SequenceWindow::fromHex(window.contiguous(), window.toHex());
    QCOMPARE(copy.contiguous(), window.contiguous());
    QCOMPARE(copy.highest(), window.highest());
    for (quint64 s = 1; s <= 4100; ++s)
        QCOMPARE(copy.contains(s), window.contains(s));
    QVERIFY(SequenceWindow().toHex().isEmpty());
    // Garbage from the database is no crash: what is not hex is skipped
    // ("zz1" reads as 0x01: 11 is in).
    const SequenceWindow junk = SequenceWindow::fromHex(10, "zz1");
    QCOMPARE(junk.contiguous(), quint64(11));
}

void TestSequenceWindow::removeBelowTheBase()
{
    SequenceWindow window;
    for (quint64 s = 1; s <= 10; ++s)
        window.insert(s);
    QVERIFY(window.remove(4));
    QCOMPARE(window.contiguous(), quint64(3));
    QVERIFY(!window.contains(4));
    for (quint64 s : {1, 2, 3, 5, 6, 7, 8, 9, 10})
        QVERIFY(window.contains(s));
    QCOMPARE(window.insert(4), SequenceWindow::Insert::Added);
    QCOMPARE(window.contiguous(), quint64(10));
}

QTEST_APPLESS_MAIN(TestSequenceWindow)
#include "tst_sequencewindow.moc"
