// SPDX-License-Identifier: MIT
#include "SystemdCollector.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::SystemdCollector;

namespace {

QString tree(const char *name)
{
    return QStringLiteral(DMR_TEST_DATA "/") + QLatin1String(name);
}

std::string script(const char *name)
{
    return (QStringLiteral(DMR_TEST_DATA "/systemctl/") + QLatin1String(name)).toStdString();
}

using Units = std::vector<std::string>;

} // namespace

Q_DECLARE_METATYPE(Units)

class TestSystemdCollector : public QObject
{
    Q_OBJECT

private slots:
    // No run/systemd/system: a board with another init (or a container).
    void noSystemd_data()
    {
        QTest::addColumn<QString>("root");
        QTest::newRow("server fixture") << tree("proc-server");
        QTest::newRow("missing tree") << tree("no-such-tree");
    }
    void noSystemd()
    {
        QFETCH(QString, root);
        SystemdCollector collector(root.toStdString(), script("two-failed"));
        QVERIFY(!collector.present());
        QVERIFY(!collector.collect(0));
        QVERIFY(collector.problem().empty());
    }

    void answers_data()
    {
        QTest::addColumn<QString>("program");
        QTest::addColumn<Units>("units");
        QTest::newRow("two failed")
            << "two-failed" << Units {"bluetooth.service", "mnt-backup.mount"};
        QTest::newRow("none failed") << "none-failed" << Units {};
        // Junk lines are dropped; an older systemd's bullet is read past.
        QTest::newRow("garbage") << "garbage" << Units {"cups.service"};
    }
    void answers()
    {
        QFETCH(QString, program);
        QFETCH(Units, units);
        SystemdCollector collector(tree("proc-rpi").toStdString(), script(program.toLatin1()));
        const auto answer = collector.collect(0);
        QVERIFY2(answer, collector.problem().c_str());
        QCOMPARE(*answer, units);
        QVERIFY(collector.problem().empty());
    }

    // Without an answer yet there is nothing to report; after one, a failing
    // systemctl keeps the last answer, and says so.
    void failingSystemctl()
    {
        SystemdCollector broken(tree("proc-rpi").toStdString(), script("broken"));
        QVERIFY(!broken.collect(0));
        QVERIFY2(broken.problem().find("failed (status 1)") != std::string::npos,
            broken.problem().c_str());

        SystemdCollector missing(tree("proc-rpi").toStdString(), "/no/such/systemctl");
        QVERIFY(!missing.collect(0));
        QVERIFY2(missing.problem().find("cannot run") != std::string::npos
                || missing.problem().find("status 127") != std::string::npos,
            missing.problem().c_str());
    }

    // Asked once a minute, answered from the last answer in between.
    void refreshedOnceAMinute()
    {
        QTemporaryDir dir;
        const QString answer = dir.filePath("failed");
        QFile file(answer);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("a.service loaded failed failed A\n");
        file.close();
        qputenv("DMR_FAILED_UNITS", answer.toLocal8Bit());
        SystemdCollector collector(tree("proc-rpi").toStdString(), script("from-file"));
        QCOMPARE(*collector.collect(0), Units {"a.service"});
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.close(); // a.service recovered
        QCOMPARE(*collector.collect(30000), Units {"a.service"});
        QCOMPARE(*collector.collect(SystemdCollector::kRefreshMs), Units {});
        QFile asks(answer + ".asks");
        QVERIFY(asks.open(QIODevice::ReadOnly));
        QCOMPARE(asks.readAll().count('\n'), 2);
        qunsetenv("DMR_FAILED_UNITS");
    }

    // A systemctl stuck behind a busy PID 1 is killed after the timeout; the
    // agent goes on.
    void hangingSystemctlTimesOut()
    {
        SystemdCollector collector(tree("proc-rpi").toStdString(), script("hangs"));
        QElapsedTimer timer;
        timer.start();
        QVERIFY(!collector.collect(0));
        QVERIFY(timer.elapsed() < SystemdCollector::kTimeoutMs + 3000);
        QVERIFY2(collector.problem().find("did not answer") != std::string::npos,
            collector.problem().c_str());
    }
};

QTEST_GUILESS_MAIN(TestSystemdCollector)
#include "tst_systemdcollector.moc"
