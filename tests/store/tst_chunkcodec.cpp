// SPDX-License-Identifier: MIT
#include "store/ChunkCodec.h"

#include <QTest>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace dmr::console;

namespace {

using Int = std::int64_t;

ColumnBlock randomBlock(std::mt19937_64 &random, std::size_t rows)
{
    auto pick = [&random](Int low, Int high) {
        return std::uniform_int_distribution<Int>(low, high)(random);
    };
    ColumnBlock block;
    // Times that rise with jitter, a counter that rises unevenly, a gauge
    // that wanders, anything at all, hundredths, any double, texts.
    std::vector<Int> times, counter, gauge, anything;
    std::vector<double> centi, reals;
    std::vector<std::string> texts;
    Int t = pick(946684800000, 4102444800000), c = pick(0, Int(1) << 40), g = pick(0, 1 << 20);
    for (std::size_t i = 0; i < rows; ++i) {
        t += 10000 + pick(-5, 5);
        c += pick(0, 1 << 20) * (pick(0, 9) == 0 ? 1000 : 1);
        g += pick(-5000, 5000);
        times.push_back(t);
        counter.push_back(c);
        gauge.push_back(g);
        anything.push_back(Int(random()));
        centi.push_back(double(pick(0, 10000)) / 100.0);
        std::uint64_t bits = random();
        double value;
        std::memcpy(&value, &bits, sizeof value);
        reals.push_back(std::isnan(value) ? 0.5 : value);
        texts.push_back(pick(0, 20) == 0 ? std::string("wlan0") : std::string("eth0"));
    }
    block.columns = {Column::ofIntegers(times), Column::ofIntegers(counter),
        Column::ofIntegers(gauge), Column::ofIntegers(anything), Column::ofReals(centi),
        Column::ofReals(reals), Column::ofTexts(texts)};
    return block;
}

void checkRoundTrip(const ColumnBlock &block)
{
    const QByteArray chunk = ChunkCodec::encode(block);
    QString error;
    const std::optional<ColumnBlock> back = ChunkCodec::decode(chunk, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->rows(), block.rows());
    QVERIFY(*back == block);
}

} // namespace

class TestChunkCodec : public QObject
{
    Q_OBJECT

private slots:
    void randomBlocksRoundTrip_data()
    {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("seed");
        for (int rows : {1, 2, 3, 17, 720, 2160}) {
            for (int seed = 1; seed <= 5; ++seed)
                QTest::addRow("%d rows, seed %d", rows, seed) << rows << seed;
        }
    }
    void randomBlocksRoundTrip()
    {
        QFETCH(int, rows);
        QFETCH(int, seed);
        std::mt19937_64 random(std::uint64_t(seed) * 7919 + std::uint64_t(rows));
        checkRoundTrip(randomBlock(random, std::size_t(rows)));
    }

    void fullChunk()
    {
        // A day of one device at one report a second.
        std::mt19937_64 random(86400);
        checkRoundTrip(randomBlock(random, 86400));
    }

    void edgeValues()
    {
        constexpr Int kMin = std::numeric_limits<Int>::min();
        constexpr Int kMax = std::numeric_limits<Int>::max();
        constexpr double kInf = std::numeric_limits<double>::infinity();
        ColumnBlock block;
        block.columns = {
            Column::ofIntegers({kMin, kMax, kMin, 0, -1, kMax, kMax, kMin}),
            Column::ofIntegers({0, 0, 0, 0, 0, 0, 0, 0}),
            Column::ofIntegers({kMax, kMax, kMax, kMax, kMax, kMax, kMax, kMax}),
            Column::ofReals({0.0, -0.0, kInf, -kInf, std::numeric_limits<double>::denorm_min(),
                std::numeric_limits<double>::max(), 0.1 + 0.2, 1e-300}),
            // Hundredths but for one: -0.0 is not 0 / 100.0, bit for bit.
            Column::ofReals({0.0, 12.5, 99.99, 100.0, -0.0, 0.01, 37.25, 5.0}),
            Column::ofReals({0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0}),
            Column::ofTexts({"", "", "eth0", std::string("\0x", 2), "\xc3\xa9t\xc3\xa9", "", "a",
                std::string(300, 'z')}),
        };
        checkRoundTrip(block);
    }

    void emptyAndOneRow()
    {
        ColumnBlock empty;
        empty.columns = {Column::ofIntegers({}), Column::ofReals({}), Column::ofTexts({})};
        checkRoundTrip(empty);
        checkRoundTrip(ColumnBlock {});
        ColumnBlock one;
        one.columns = {Column::ofIntegers({1795000000000}), Column::ofReals({3.25}),
            Column::ofTexts({"eth0"})};
        checkRoundTrip(one);
    }

    // What compaction relies on: steady times, constant and slow columns
    // cost next to nothing.
    void steadyColumnsAreSmall()
    {
        std::vector<Int> times, constant;
        std::vector<double> centi;
        for (Int i = 0; i < 2160; ++i) {
            times.push_back(1795000000000 + i * 10000);
            constant.push_back(3884084);
            centi.push_back(double(1200 + i % 7) / 100.0);
        }
        ColumnBlock block;
        block.columns
            = {Column::ofIntegers(times), Column::ofIntegers(constant), Column::ofReals(centi)};
        const QByteArray chunk = ChunkCodec::encode(block);
        QVERIFY2(chunk.size() < 200, qPrintable(QString::number(chunk.size())));
        checkRoundTrip(block);
    }

    // Anything that is not a chunk is refused with a reason, never decoded
    // to something else, never a crash.
    void corruptChunksAreRefused()
    {
        std::mt19937_64 random(5);
        const ColumnBlock block = randomBlock(random, 300);
        const QByteArray chunk = ChunkCodec::encode(block);
        QString error;
        QVERIFY(!ChunkCodec::decode(QByteArray(), &error));
        QVERIFY(error.contains(QLatin1String("corrupt chunk")));
        QVERIFY(!ChunkCodec::decode(QByteArray("\x02xyz"), &error));
        QVERIFY(error.contains(QLatin1String("version 2")));
        for (qsizetype size = 0; size < chunk.size(); size += 1 + size / 8)
            QVERIFY(!ChunkCodec::decode(chunk.left(size), &error));
        int refused = 0;
        for (qsizetype at = 0; at < chunk.size(); ++at) {
            for (int bit : {0, 3, 7}) {
                QByteArray damaged = chunk;
                damaged[at] = char(damaged[at] ^ (1 << bit));
                const std::optional<ColumnBlock> back = ChunkCodec::decode(damaged, &error);
                if (back)
                    QVERIFY(*back == block); // a bit the format does not use
                else
                    ++refused;
            }
        }
        QVERIFY(refused > chunk.size() * 3 * 9 / 10);
    }
};

QTEST_MAIN(TestChunkCodec)
#include "tst_chunkcodec.moc"
