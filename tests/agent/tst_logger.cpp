// SPDX-License-Identifier: MIT
#include "Logger.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using dmr::agent::Logger;
using dmr::agent::LogLevel;

namespace {

QStringList readLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
}

} // namespace

class TestLogger : public QObject
{
    Q_OBJECT

private slots:
    void lineFormatAndDirectoryCreation()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath(".log/sub/metrics.log");
        {
            Logger logger(Logger::Options {path.toStdString(), false});
            QVERIFY(logger.fileError().empty());
            logger.warning("console unreachable");
            logger.info("hello");
        }
        const QStringList lines = readLines(path);
        QCOMPARE(lines.size(), 2);
        static const QRegularExpression format(
            R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z metrics-agent warning: console unreachable$)");
        QVERIFY2(format.match(lines[0]).hasMatch(), qPrintable(lines[0]));
        QVERIFY(lines[1].endsWith("metrics-agent info: hello"));
    }

    void appendsToAnExistingFile()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.log");
        for (int run = 0; run < 2; ++run) {
            Logger logger(Logger::Options {path.toStdString(), false});
            logger.info("run");
        }
        QCOMPARE(readLines(path).size(), 2);
    }

    void rotatesBySizeAndKeepsThree()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.log");
        Logger::Options options {path.toStdString(), false};
        options.maxBytes = 1000;
        options.keep = 3;
        Logger logger(options);
        const std::string message(60, 'x'); // about 100 bytes a line with the prefix
        for (int i = 0; i < 100; ++i)
            logger.info(message + std::to_string(i));
        QVERIFY(QFile::exists(path));
        QVERIFY(QFile::exists(path + ".1"));
        QVERIFY(QFile::exists(path + ".2"));
        QVERIFY(QFile::exists(path + ".3"));
        QVERIFY(!QFile::exists(path + ".4"));
        for (const QString &name : {path, path + ".1", path + ".2", path + ".3"})
            QVERIFY2(QFileInfo(name).size() <= 1000, qPrintable(name));
        // The newest line is in the live file, the older ones rotated in order.
        QVERIFY(readLines(path).last().endsWith("x99"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 4);
    }

    void repeatedMessagesAreRateLimited()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("metrics.log");
        std::int64_t now = 0;
        Logger logger(Logger::Options {path.toStdString(), false});
        logger.setClocks([&now] { return now; }, [] { return std::int64_t(1795868400000); });

        // Every 10 s for 3 minutes, as an unreachable console would produce.
        for (int i = 0; i < 18; ++i) {
            logger.logLimited(LogLevel::Warning, "console unreachable");
            logger.logLimited(LogLevel::Error, "other problem");
            now += 10000;
        }
        const QStringList lines = readLines(path);
        const QStringList unreachable = lines.filter("console unreachable");
        // t=0 logs; t=60, 120 log with a count of what was held back.
        QCOMPARE(unreachable.size(), 3);
        QVERIFY(!unreachable[0].contains("suppressed"));
        QVERIFY2(unreachable[1].contains("(5 identical messages suppressed in the last 60 s)"),
            qPrintable(unreachable[1]));
        QCOMPARE(lines.filter("other problem").size(), 3);
        QVERIFY(lines[0].startsWith("2026-11-28T"));
    }

    void manyDistinctMessagesStayBounded()
    {
        Logger logger(Logger::Options {std::string(), false});
        std::int64_t now = 0;
        logger.setClocks([&now] { return now; }, [] { return std::int64_t(0); });
        for (int i = 0; i < 1000; ++i)
            logger.logLimited(LogLevel::Warning, "problem " + std::to_string(i));
        QCOMPARE(logger.linesWritten(), std::uint64_t(1000));
    }

    void unwritableFileFallsBackToStderr()
    {
        Logger logger(Logger::Options {"/proc/no-such-dir/metrics.log", false});
        QVERIFY(!logger.fileError().empty());
        logger.error("still logged");
        QVERIFY(logger.linesWritten() >= 2);
    }
};

QTEST_GUILESS_MAIN(TestLogger)
#include "tst_logger.moc"
