// SPDX-License-Identifier: MIT
#include "store/Downsampler.h"

#include <QTest>
#include <algorithm>
#include <map>

using namespace dmr::console;

class TestDownsampler : public QObject
{
    Q_OBJECT
private slots:
    void keepsMinAndMaxOfEveryColumn_data();
    void keepsMinAndMaxOfEveryColumn();
    void atMostTwoPointsPerColumn();
    void ignoresSamplesOutsideTheRange();
    void sqlColumnsMergeWithSamples();
};

using Samples = QList<QPair<qint64, double>>;

void TestDownsampler::keepsMinAndMaxOfEveryColumn_data()
{
    QTest::addColumn<qint64>("from");
    QTest::addColumn<qint64>("to");
    QTest::addColumn<int>("columns");
    QTest::addColumn<Samples>("samples");

    Samples flat;
    for (int i = 0; i < 1000; ++i)
        flat.append({i * 1000, 42.0});
    QTest::newRow("flat") << qint64(0) << qint64(1000000) << 100 << flat;

    // One-sample spikes up and down between otherwise calm values.
    Samples spikes;
    for (int i = 0; i < 10000; ++i)
        spikes.append({i * 100, i % 997 == 0 ? 100.0 : (i % 1009 == 0 ? 0.0 : 20.0 + i % 3)});
    QTest::newRow("spikes, 10 samples a column") << qint64(0) << qint64(1000000) << 1000 << spikes;

    Samples noisy;
    quint32 state = 12345;
    for (int i = 0; i < 604800; i += 7) {
        state = state * 1103515245u + 12345u;
        noisy.append({qint64(i) * 1000, double(state % 10000) / 100.0});
    }
    QTest::newRow("a week, 1280 columns") << qint64(0) << qint64(604800000) << 1280 << noisy;

    Samples sparse = {{5, 1.0}, {999999, 2.0}};
    QTest::newRow("sparse") << qint64(0) << qint64(1000000) << 800 << sparse;

    Samples fewer;
    for (int i = 0; i < 50; ++i)
        fewer.append({i * 20000, double(i)});
    QTest::newRow("fewer samples than columns") << qint64(0) << qint64(1000000) << 800 << fewer;
}

void TestDownsampler::keepsMinAndMaxOfEveryColumn()
{
    QFETCH(qint64, from);
    QFETCH(qint64, to);
    QFETCH(int, columns);
    QFETCH(Samples, samples);

    Downsampler sampler(from, to, columns);
    std::map<int, std::pair<double, double>> expected;
    for (const auto &[ts, value] : samples) {
        sampler.add(ts, value);
        const int column = int((ts - from) * columns / (to - from));
        auto it = expected.find(column);
        if (it == expected.end())
            expected.emplace(column, std::make_pair(value, value));
        else
            it->second = {std::min(it->second.first, value), std::max(it->second.second, value)};
    }

    const QList<QPointF> points = sampler.points();
    const double width = double(to - from) / columns;
    std::map<int, std::pair<double, double>> got;
    for (const QPointF &p : points) {
        const int column = int((p.x() - double(from)) / width);
        auto it = got.find(column);
        if (it == got.end())
            got.emplace(column, std::make_pair(p.y(), p.y()));
        else
            it->second = {std::min(it->second.first, p.y()), std::max(it->second.second, p.y())};
    }
    QCOMPARE(got.size(), expected.size());
    for (const auto &[column, range] : expected) {
        QVERIFY2(got.count(column), qPrintable(QString::number(column)));
        QCOMPARE(got[column].first, range.first);
        QCOMPARE(got[column].second, range.second);
    }
    QVERIFY(std::is_sorted(points.cbegin(), points.cend(),
        [](const QPointF &a, const QPointF &b) { return a.x() < b.x(); }));
}

void TestDownsampler::atMostTwoPointsPerColumn()
{
    Downsampler sampler(0, 604800000, 1000);
    for (qint64 i = 0; i < 604800; ++i)
        sampler.add(i * 1000, double(i % 101));
    QVERIFY(sampler.points().size() <= 2000);
    QCOMPARE(sampler.points().size(), 2000);
}

void TestDownsampler::ignoresSamplesOutsideTheRange()
{
    Downsampler sampler(1000, 2000, 10);
    sampler.add(999, 5);
    sampler.add(2000, 5);
    QVERIFY(sampler.points().isEmpty());
    sampler.add(1000, 7);
    QCOMPARE(sampler.points().size(), 1);
    QCOMPARE(sampler.points().first(), QPointF(1050, 7));
}

void TestDownsampler::sqlColumnsMergeWithSamples()
{
    Downsampler sampler(0, 100, 10);
    sampler.addColumn(3, 2, 9);
    sampler.add(35, 1);
    sampler.add(36, 12);
    const QList<QPointF> points = sampler.points();
    QCOMPARE(points.size(), 2);
    QCOMPARE(points.at(0).y(), 1.0);
    QCOMPARE(points.at(1).y(), 12.0);
}

QTEST_GUILESS_MAIN(TestDownsampler)
#include "tst_downsampler.moc"
