// SPDX-License-Identifier: MIT
#include "ingest/IngestCounters.h"

#include <QSet>
#include <QTest>
#include <QThread>

using namespace dmr::console;

class TestIngestCounters : public QObject
{
    Q_OBJECT
private slots:
    void names();
    void summary_data();
    void summary();
    void countsFromSeveralThreads();
};

void TestIngestCounters::names()
{
    QSet<QString> names;
    for (int i = 0; i < int(Rejection::Count); ++i) {
        const QString name = rejectionName(Rejection(i));
        QVERIFY(!name.isEmpty());
        QVERIFY2(name != QLatin1String("unknown"), qPrintable(QString::number(i)));
        names.insert(name);
    }
    QCOMPARE(names.size(), int(Rejection::Count));
    QCOMPARE(rejectionName(Rejection::Duplicate), QStringLiteral("duplicate"));
    QCOMPARE(rejectionName(Rejection::Stale), QStringLiteral("stale"));
}

void TestIngestCounters::summary_data()
{
    QTest::addColumn<QList<int>>("rejections");
    QTest::addColumn<quint64>("writeErrors");
    QTest::addColumn<QString>("expected");

    QTest::newRow("clean") << QList<int> {} << quint64(0)
                           << "received=10 accepted=9 rejected=0 persisted=7 dropped=1";
    QTest::newRow("reasons in enum order")
        << QList<int> {int(Rejection::Stale), int(Rejection::Malformed), int(Rejection::Malformed)}
        << quint64(0)
        << "received=10 accepted=9 rejected=3 (malformed=2 stale=1) persisted=7 dropped=1";
    QTest::newRow("write errors") << QList<int> {int(Rejection::Empty)} << quint64(4)
                                  << "received=10 accepted=9 rejected=1 (empty=1) persisted=7 "
                                     "dropped=1 write_errors=4";
}

void TestIngestCounters::summary()
{
    QFETCH(QList<int>, rejections);
    QFETCH(quint64, writeErrors);
    QFETCH(QString, expected);

    IngestCounters counters;
    counters.received = 10;
    counters.accepted = 9;
    counters.persisted = 7;
    counters.dropped = 1;
    counters.writeErrors = writeErrors;
    for (int reason : rejections)
        counters.reject(Rejection(reason));
    QCOMPARE(counters.rejectedTotal(), quint64(rejections.size()));
    QCOMPARE(counters.summary(), expected);
}

void TestIngestCounters::countsFromSeveralThreads()
{
    IngestCounters counters;
    QList<QThread *> threads;
    for (int t = 0; t < 4; ++t) {
        threads.append(QThread::create([&counters, t] {
            for (int i = 0; i < 10000; ++i)
                counters.reject(Rejection(t % int(Rejection::Count)));
        }));
        threads.last()->start();
    }
    for (QThread *thread : threads) {
        QVERIFY(thread->wait(10000));
        delete thread;
    }
    QCOMPARE(counters.rejectedTotal(), quint64(40000));
    QCOMPARE(counters.rejectedFor(Rejection::Oversize), quint64(10000));
}

QTEST_GUILESS_MAIN(TestIngestCounters)
#include "tst_ingestcounters.moc"
