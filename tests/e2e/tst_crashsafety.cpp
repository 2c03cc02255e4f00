// SPDX-License-Identifier: MIT
// kill -9 at random moments of a busy ingest, again and again on one
// database: after each, the database opens and passes PRAGMA integrity_check,
// every row committed before the kill is still there, every report the
// console acknowledged to the test's agents is there, and a restarted
// console stores a new datagram within 2 seconds of its start.
// DMR_KILL_RUNS sets the number of kills (default 20; the benchmark uses 100).
#include "dmr/Seal.h"
#include "support/ConsoleProcess.h"
#include "support/TestReports.h"
#include "support/TestSql.h"

#include <QElapsedTimer>
#include <QNetworkDatagram>
#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUdpSocket>
#include <set>

namespace {

const QString kLoadgen = QStringLiteral(DMR_BINARY_DIR "/tests/bench/loadgen/metrics-loadgen");

// A few agents in one socket: each sends its next report every 10 ms and
// keeps the newest acknowledgement the console sends back.
class AckedAgents : public QObject
{
public:
    AckedAgents(quint16 port, quint32 firstRun, int count)
        : m_port(port)
    {
        for (int i = 0; i < count; ++i)
            m_agents.push_back({TestReports::deviceId(200 + i), firstRun + quint32(i), 0, {}});
        m_socket.bind(QHostAddress::LocalHost, 0);
        connect(&m_socket, &QUdpSocket::readyRead, this, &AckedAgents::readAcks);
        connect(&m_timer, &QTimer::timeout, this, &AckedAgents::sendNext);
        m_timer.start(10);
    }

    void stop() { m_timer.stop(); }
    quint64 acknowledged() const
    {
        quint64 total = 0;
        for (const Agent &agent : m_agents)
            total += agent.ack.contiguous + quint64(__builtin_popcountll(agent.ack.storedAbove));
        return total;
    }
    // Acknowledged sequences missing from the database; empty when all are there.
    QStringList missingIn(const TestSql::Connection &sql) const
    {
        QStringList missing;
        for (const Agent &agent : m_agents) {
            std::set<quint64> stored;
            for (const QVariantList &row :
                sql.rows(QStringLiteral("SELECT sequence FROM system_metrics WHERE run_id = %1")
                             .arg(agent.run)))
                stored.insert(row.value(0).toULongLong());
            for (quint64 s = 1; s <= agent.sent; ++s) {
                if (agent.ack.stored(s) && !stored.count(s))
                    missing << QStringLiteral("run %1 sequence %2").arg(agent.run).arg(s);
            }
        }
        return missing;
    }

private:
    struct Agent
    {
        std::string deviceId;
        quint32 run;
        quint64 sent;
        dmr::Ack ack;
    };

    void sendNext()
    {
        for (Agent &agent : m_agents) {
            const dmr::Report report
                = TestReports::makeReport(agent.deviceId, agent.run, ++agent.sent);
            m_socket.writeDatagram(TestReports::encoded(report), QHostAddress::LocalHost, m_port);
        }
    }
    void readAcks()
    {
        while (m_socket.hasPendingDatagrams()) {
            const QByteArray bytes = m_socket.receiveDatagram().data();
            const std::optional<dmr::Envelope> envelope
                = dmr::parseEnvelope(bytes.constData(), std::size_t(bytes.size()));
            if (!envelope || envelope->kind != dmr::PayloadKind::Ack)
                continue;
            const std::optional<dmr::Ack> ack = dmr::decodeAck(envelope->payload);
            for (Agent &agent : m_agents) {
                if (ack && ack->runId == agent.run && ack->contiguous >= agent.ack.contiguous)
                    agent.ack = *ack;
            }
        }
    }

    quint16 m_port;
    QUdpSocket m_socket;
    QTimer m_timer;
    std::vector<Agent> m_agents;
};

} // namespace

class TestCrashSafety : public QObject
{
    Q_OBJECT
private slots:
    void killNineAtRandomMoments();

private:
    qint64 storedRows();

    QTemporaryDir m_dir;
    QString m_db;
};

qint64 TestCrashSafety::storedRows()
{
    TestSql::Connection sql(m_db);
    return sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toLongLong();
}

void TestCrashSafety::killNineAtRandomMoments()
{
    QVERIFY(m_dir.isValid());
    m_db = m_dir.filePath(QStringLiteral("crash.db"));
    const int runs = qEnvironmentVariableIsSet("DMR_KILL_RUNS")
        ? qEnvironmentVariableIntValue("DMR_KILL_RUNS")
        : 20;
    const quint32 seed = QRandomGenerator::global()->generate();
    qInfo("%d kills, seed %u", runs, seed);
    QRandomGenerator random(seed);
    qint64 slowestStartMs = 0;
    quint64 acknowledged = 0;

    for (int run = 0; run < runs; ++run) {
        ConsoleProcess console(m_db);
        QElapsedTimer sinceStart;
        sinceStart.start();
        QVERIFY2(console.start({QStringLiteral("--flush-interval"), QStringLiteral("50"),
                     QStringLiteral("--ack-interval"), QStringLiteral("1")}),
            console.log().constData());
        const quint16 port = console.udpPort();

        // A restarted console ingests again within 2 s of its start.
        const qint64 before = storedRows();
        QUdpSocket probe;
        const dmr::Report report
            = TestReports::makeReport(TestReports::deviceId(9), 1000u + quint32(run), 1);
        probe.writeDatagram(TestReports::encoded(report), QHostAddress::LocalHost, port);
        QTRY_VERIFY2_WITH_TIMEOUT(storedRows() > before, console.log().constData(), 5000);
        const qint64 startMs = sinceStart.elapsed();
        slowestStartMs = std::max(slowestStartMs, startMs);
        QVERIFY2(startMs < 2000,
            qPrintable(
                QStringLiteral("run %1: ingesting %2 ms after start").arg(run).arg(startMs)));

        QProcess loadgen;
        loadgen.start(kLoadgen,
            {QStringLiteral("--devices"), QStringLiteral("200"), QStringLiteral("--rate"),
                QStringLiteral("5000"), QStringLiteral("--duration"), QStringLiteral("10"),
                QStringLiteral("--target"), QStringLiteral("127.0.0.1:%1").arg(port)});
        QVERIFY(loadgen.waitForStarted());
        AckedAgents agents(port, 100000u * quint32(run + 1), 8);
        QTest::qWait(int(random.bounded(200, 2500)));
        // The last kill waits for an acknowledgement if none came before, so
        // that what was acknowledged is always checked: under the sanitizers
        // a flooded console may not answer within any of a few random waits.
        if (run == runs - 1 && acknowledged == 0)
            QTRY_VERIFY_WITH_TIMEOUT(agents.acknowledged() > 0, 20000);
        const qint64 committed = storedRows(); // what any reader could see: durable
        QVERIFY(console.isRunning());
        console.kill(); // SIGKILL: no flush, no cleanup
        agents.stop();
        loadgen.kill();
        loadgen.waitForFinished(5000);

        TestSql::Connection sql(m_db);
        QVERIFY2(sql.isOpen(), qPrintable(QStringLiteral("run %1").arg(run)));
        QCOMPARE(
            sql.value(QStringLiteral("PRAGMA integrity_check")).toString(), QStringLiteral("ok"));
        const qint64 after
            = sql.value(QStringLiteral("SELECT COUNT(*) FROM system_metrics")).toLongLong();
        QVERIFY2(after >= committed,
            qPrintable(QStringLiteral("run %1: %2 rows after the kill, %3 committed before")
                           .arg(run)
                           .arg(after)
                           .arg(committed)));
        // Everything acknowledged is there: the agents have forgotten it.
        const QStringList missing = agents.missingIn(sql);
        QVERIFY2(missing.isEmpty(), qPrintable(missing.mid(0, 10).join(QLatin1String(", "))));
        acknowledged += agents.acknowledged();
        // The rollups were committed with their rows.
        QCOMPARE(
            sql.value(QStringLiteral("SELECT SUM(samples) FROM system_metrics_1m")).toLongLong(),
            after);
    }
    qInfo("%d kills survived; slowest restart to a stored datagram %lld ms; %llu acknowledged "
          "reports checked",
        runs, slowestStartMs, static_cast<unsigned long long>(acknowledged));
    QVERIFY(acknowledged > 0);
}

QTEST_GUILESS_MAIN(TestCrashSafety)
#include "tst_crashsafety.moc"
