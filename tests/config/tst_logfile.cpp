// SPDX-License-Identifier: MIT
#include "config/LogFile.h"

#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>
#include <cstdio>
#include <unistd.h>

using namespace dmr::console;

namespace {

// Two of the console's categories, by name: LogFile routes whatever category
// a line has, so the test need not link the libraries that own them.
Q_LOGGING_CATEGORY(lcStore, "console.store")
Q_LOGGING_CATEGORY(lcIngest, "console.ingest")

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Sends this process's stderr to a file while alive, to check what reaches it.
class StderrCapture
{
public:
    explicit StderrCapture(const QString &path)
        : m_path(path)
    {
        std::fflush(stderr);
        m_saved = ::dup(STDERR_FILENO);
        std::FILE *file = std::fopen(qPrintable(path), "w");
        ::dup2(::fileno(file), STDERR_FILENO);
        std::fclose(file);
    }
    ~StderrCapture() { restore(); }
    QByteArray text()
    {
        restore();
        return readAll(m_path);
    }

private:
    void restore()
    {
        if (m_saved < 0)
            return;
        std::fflush(stderr);
        ::dup2(m_saved, STDERR_FILENO);
        ::close(m_saved);
        m_saved = -1;
    }
    QString m_path;
    int m_saved = -1;
};

void log(LogFile &logFile, QtMsgType type, const char *category, const QString &message)
{
    const QMessageLogContext context(__FILE__, __LINE__, Q_FUNC_INFO, category);
    logFile.write(type, context, message);
}

LogFile::Options quiet(const QString &path)
{
    LogFile::Options options;
    options.path = path;
    options.echoWarningsToStderr = false;
    return options;
}

} // namespace

class TestLogFile : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();

    void writesLines_data();
    void writesLines();
    void appendsAcrossRuns();
    void installRoutesQtLogging();
    void rotates_data();
    void rotates();
    void noFile_data();
    void noFile();
    void echoesWarnings();
    void unwritablePathFallsBackToStderr();
    void defaultPath_data();
    void defaultPath();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_previousDir;
    QByteArray m_invocationId, m_journalStream;
};

void TestLogFile::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_previousDir = QDir::currentPath();
    QVERIFY(QDir::setCurrent(m_dir->path()));
    m_invocationId = qgetenv("INVOCATION_ID");
    m_journalStream = qgetenv("JOURNAL_STREAM");
}

void TestLogFile::cleanup()
{
    for (auto [name, value] : {std::pair {"INVOCATION_ID", m_invocationId},
             std::pair {"JOURNAL_STREAM", m_journalStream}}) {
        if (value.isNull())
            qunsetenv(name);
        else
            qputenv(name, value);
    }
    QDir::setCurrent(m_previousDir);
    m_dir.reset();
}

void TestLogFile::writesLines_data()
{
    QTest::addColumn<int>("type");
    QTest::addColumn<QByteArray>("category");
    QTest::addColumn<QString>("expected"); // the line after its timestamp

    QTest::newRow("info, store") << int(QtInfoMsg) << QByteArray("console.store")
                                 << "metrics-console info console.store: writing to x.db";
    QTest::newRow("warning, ingest") << int(QtWarningMsg) << QByteArray("console.ingest")
                                     << "metrics-console warning console.ingest: writing to x.db";
    QTest::newRow("critical, udp") << int(QtCriticalMsg) << QByteArray("console.udp")
                                   << "metrics-console critical console.udp: writing to x.db";
    QTest::newRow("debug, default category")
        << int(QtDebugMsg) << QByteArray("default") << "metrics-console debug writing to x.db";
    QTest::newRow("no category") << int(QtInfoMsg) << QByteArray()
                                 << "metrics-console info writing to x.db";
}

void TestLogFile::writesLines()
{
    QFETCH(int, type);
    QFETCH(QByteArray, category);
    QFETCH(QString, expected);

    const QString path = m_dir->filePath(QStringLiteral(".log/metrics.log"));
    {
        LogFile logFile(quiet(path));
        log(logFile, QtMsgType(type), category.isNull() ? nullptr : category.constData(),
            QStringLiteral("writing to x.db"));
    }
    const QByteArray text = readAll(path);
    const QRegularExpression line(
        QStringLiteral("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z (.*)\n$"));
    const QRegularExpressionMatch match = line.match(QString::fromUtf8(text));
    QVERIFY2(match.hasMatch(), text.constData());
    QCOMPARE(match.captured(1), expected);
}

void TestLogFile::appendsAcrossRuns()
{
    const QString path = m_dir->filePath(QStringLiteral("metrics.log"));
    for (int run = 0; run < 3; ++run) {
        LogFile logFile(quiet(path));
        log(logFile, QtInfoMsg, "console.stats", QStringLiteral("run %1").arg(run));
    }
    const QList<QByteArray> lines = readAll(path).trimmed().split('\n');
    QCOMPARE(lines.size(), 3);
    for (int run = 0; run < 3; ++run)
        QVERIFY(lines[run].endsWith("console.stats: run " + QByteArray::number(run)));
}

void TestLogFile::installRoutesQtLogging()
{
    const QString path = m_dir->filePath(QStringLiteral("metrics.log"));
    {
        LogFile logFile(quiet(path));
        logFile.install();
        qCInfo(lcStore, "routed through the handler");
        qCWarning(lcIngest, "a warning too");
    }
    const QByteArray text = readAll(path);
    QVERIFY2(text.contains("metrics-console info console.store: routed through the handler\n"),
        text.constData());
    QVERIFY2(
        text.contains("metrics-console warning console.ingest: a warning too\n"), text.constData());
    // Gone with the LogFile: the handler before it (QtTest's) is back.
    QTest::ignoreMessage(QtWarningMsg, "after the log file");
    qWarning("after the log file");
    QCOMPARE(readAll(path), text);
}

void TestLogFile::rotates_data()
{
    QTest::addColumn<int>("maxBytes");
    QTest::addColumn<int>("keep");
    QTest::addColumn<int>("lines");
    QTest::addColumn<int>("rotatedFiles");

    // Each line is about 100 bytes.
    QTest::newRow("under the limit") << 10000 << 3 << 50 << 0;
    QTest::newRow("one rotation") << 3000 << 3 << 40 << 1;
    QTest::newRow("keeps 3") << 1000 << 3 << 200 << 3;
    QTest::newRow("keeps 1") << 1000 << 1 << 200 << 1;
    QTest::newRow("keeps 5") << 500 << 5 << 300 << 5;
}

void TestLogFile::rotates()
{
    QFETCH(int, maxBytes);
    QFETCH(int, keep);
    QFETCH(int, lines);
    QFETCH(int, rotatedFiles);

    const QString path = m_dir->filePath(QStringLiteral(".log/metrics.log"));
    {
        LogFile::Options options = quiet(path);
        options.maxBytes = maxBytes;
        options.keep = keep;
        LogFile logFile(options);
        for (int i = 0; i < lines; ++i)
            log(logFile, QtInfoMsg, "console.stats",
                QStringLiteral("line %1 ").arg(i, 5, 10, QLatin1Char('0'))
                    + QString(40, QLatin1Char('x')));
    }
    QVERIFY(QFile::exists(path));
    for (int i = 1; i <= rotatedFiles; ++i) {
        const QString rotated = path + QLatin1Char('.') + QString::number(i);
        QVERIFY2(QFile::exists(rotated), qPrintable(rotated));
        const qint64 size = QFileInfo(rotated).size();
        QVERIFY(size > maxBytes);
        QVERIFY(size < maxBytes + 200);
    }
    QVERIFY(!QFile::exists(path + QLatin1Char('.') + QString::number(rotatedFiles + 1)));
    QCOMPARE(QDir(m_dir->filePath(QStringLiteral(".log"))).entryList(QDir::Files).size(),
        1 + rotatedFiles);

    // Oldest file first, the lines run on without a gap up to the last one.
    QByteArray all;
    for (int i = rotatedFiles; i >= 1; --i)
        all += readAll(path + QLatin1Char('.') + QString::number(i));
    all += readAll(path);
    const QList<QByteArray> kept = all.trimmed().split('\n');
    QVERIFY(!kept.isEmpty());
    const int first = lines - int(kept.size());
    QVERIFY(first >= 0);
    if (rotatedFiles < keep)
        QCOMPARE(first, 0);
    for (int i = 0; i < kept.size(); ++i) {
        const QByteArray number = QByteArray::number(first + i).rightJustified(5, '0');
        QVERIFY2(kept[i].contains("line " + number), kept[i].constData());
    }
}

void TestLogFile::noFile_data()
{
    QTest::addColumn<QString>("path");
    QTest::newRow("-") << "-";
    QTest::newRow("empty") << "";
}

void TestLogFile::noFile()
{
    QFETCH(QString, path);
    StderrCapture capture(m_dir->filePath(QStringLiteral("../stderr-%1.txt").arg(getpid())));
    {
        LogFile logFile(quiet(path));
        log(logFile, QtInfoMsg, "console.config", QStringLiteral("to stderr only"));
    }
    const QByteArray text = capture.text();
    QFile::remove(m_dir->filePath(QStringLiteral("../stderr-%1.txt").arg(getpid())));
    QVERIFY2(
        text.contains("metrics-console info console.config: to stderr only\n"), text.constData());
    QCOMPARE(QDir(m_dir->path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden),
        QStringList());
}

void TestLogFile::echoesWarnings()
{
    const QString path = m_dir->filePath(QStringLiteral("metrics.log"));
    StderrCapture capture(m_dir->filePath(QStringLiteral("stderr.txt")));
    {
        LogFile::Options options;
        options.path = path;
        options.echoWarningsToStderr = true;
        LogFile logFile(options);
        log(logFile, QtInfoMsg, "console.store", QStringLiteral("only in the file"));
        log(logFile, QtWarningMsg, "console.store", QStringLiteral("in both"));
        log(logFile, QtCriticalMsg, "console.store", QStringLiteral("critical in both"));
    }
    const QByteArray text = capture.text();
    QVERIFY(!text.contains("only in the file"));
    QVERIFY(text.contains("console.store: in both"));
    QVERIFY(text.contains("console.store: critical in both"));
    const QByteArray file = readAll(path);
    QVERIFY(file.contains("only in the file"));
    QVERIFY(file.contains("in both"));
}

void TestLogFile::unwritablePathFallsBackToStderr()
{
    // A regular file where the folder should be: fails for root too.
    QFile blocker(m_dir->filePath(QStringLiteral("blocker")));
    QVERIFY(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    const QString path = m_dir->filePath(QStringLiteral("blocker/metrics.log"));
    StderrCapture capture(m_dir->filePath(QStringLiteral("stderr.txt")));
    {
        LogFile logFile(quiet(path));
        log(logFile, QtInfoMsg, "console.store", QStringLiteral("still logged"));
    }
    const QByteArray text = capture.text();
    QVERIFY2(text.contains("cannot open log file " + path.toUtf8()), text.constData());
    QVERIFY2(text.contains("console.store: still logged"), text.constData());
}

void TestLogFile::defaultPath_data()
{
    QTest::addColumn<QByteArray>("invocationId");
    QTest::addColumn<QByteArray>("journalStream");
    QTest::addColumn<QString>("expected");

    QTest::newRow("by hand") << QByteArray() << QByteArray() << ".log/metrics.log";
    QTest::newRow("systemd service") << QByteArray("4f6b0c2d") << QByteArray("8:123") << "-";
    QTest::newRow("journal stream only") << QByteArray() << QByteArray("8:123") << "-";
}

void TestLogFile::defaultPath()
{
    QFETCH(QByteArray, invocationId);
    QFETCH(QByteArray, journalStream);
    QFETCH(QString, expected);
    if (invocationId.isNull())
        qunsetenv("INVOCATION_ID");
    else
        qputenv("INVOCATION_ID", invocationId);
    if (journalStream.isNull())
        qunsetenv("JOURNAL_STREAM");
    else
        qputenv("JOURNAL_STREAM", journalStream);
    QCOMPARE(LogFile::defaultPath(), expected);
    QCOMPARE(LogFile::underSystemd(), expected == QLatin1String("-"));
}

QTEST_GUILESS_MAIN(TestLogFile)
#include "tst_logfile.moc"
