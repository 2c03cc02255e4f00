// SPDX-License-Identifier: MIT
#include "config/ConsoleConfig.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <memory>

using namespace dmr::console;

namespace {

// One configuration key as a string, whatever its type, for table-driven checks.
QString valueOf(const ConsoleConfig &config, const QString &key)
{
    if (key == QLatin1String("udp-port"))
        return QString::number(config.udpPort);
    if (key == QLatin1String("http-port"))
        return QString::number(config.httpPort);
    if (key == QLatin1String("bind"))
        return config.udpBind.toString();
    if (key == QLatin1String("http-bind"))
        return config.httpBind.toString();
    if (key == QLatin1String("db"))
        return config.database;
    if (key == QLatin1String("log-file"))
        return config.logFile;
    if (key == QLatin1String("stats-interval"))
        return QString::number(config.statsIntervalSeconds);
    if (key == QLatin1String("offline-after"))
        return QString::number(config.offlineAfterSeconds);
    if (key == QLatin1String("queue-capacity"))
        return QString::number(config.queueCapacity);
    if (key == QLatin1String("flush-interval"))
        return QString::number(config.flushIntervalMs);
    if (key == QLatin1String("receive-buffer"))
        return QString::number(config.receiveBufferBytes);
    if (key == QLatin1String("store-maintenance"))
        return config.storeMaintenance ? QStringLiteral("on") : QStringLiteral("off");
    if (key == QLatin1String("reuse-port"))
        return config.reusePort ? QStringLiteral("on") : QStringLiteral("off");
    if (key == QLatin1String("forget-after"))
        return QString::number(config.forgetAfterDays);
    if (key == QLatin1String("headless"))
        return config.headless ? QStringLiteral("true") : QStringLiteral("false");
    return QStringLiteral("no such key: ") + key;
}

QProcessEnvironment environmentOf(const QStringList &assignments)
{
    QProcessEnvironment environment;
    for (const QString &assignment : assignments) {
        const qsizetype equals = assignment.indexOf(QLatin1Char('='));
        environment.insert(assignment.left(equals), assignment.mid(equals + 1));
    }
    return environment;
}

} // namespace

class TestConsoleConfig : public QObject
{
    Q_OBJECT
private slots:
    void sizes_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<qint64>("bytes"); // -1: refused
        QTest::newRow("bytes") << "1048576" << qint64(1048576);
        QTest::newRow("8G") << "8G" << (qint64(8) << 30);
        QTest::newRow("500m") << "500m" << (qint64(500) << 20);
        QTest::newRow("1TiB") << "1TiB" << (qint64(1) << 40);
        QTest::newRow("64KB") << "64KB" << qint64(65536);
        QTest::newRow("zero") << "0" << qint64(0);
        QTest::newRow("word") << "lots" << qint64(-1);
        QTest::newRow("negative") << "-5G" << qint64(-1);
        QTest::newRow("fraction") << "1.5G" << qint64(-1);
        QTest::newRow("too big") << "999999999999999T" << qint64(-1);
        QTest::newRow("unknown unit") << "8X" << qint64(-1);
    }
    void sizes()
    {
        QFETCH(QString, text);
        QFETCH(qint64, bytes);
        QCOMPARE(ConsoleConfig::parseSize(text).value_or(-1), bytes);
    }
    void init();
    void cleanup();

    void defaults();
    void precedence_data();
    void precedence();
    void invalidValues_data();
    void invalidValues();
    void helpAndVersion_data();
    void helpAndVersion();
    void helpNamesTheProgram();
    void helpOfTheProgram();
    void badArguments_data();
    void badArguments();
    void envFileOption();
    void defaultDatabasePath_data();
    void defaultDatabasePath();

private:
    void writeDotEnv(const QByteArray &text);
    std::optional<ConsoleConfig> parse(
        const QStringList &flags, const QStringList &environment, QString *error, int *exitCode);

    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_previousDir;
};

void TestConsoleConfig::init()
{
    // ./.env is read from the working directory: give each test its own.
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_previousDir = QDir::currentPath();
    QVERIFY(QDir::setCurrent(m_dir->path()));
}

void TestConsoleConfig::cleanup()
{
    QDir::setCurrent(m_previousDir);
    m_dir.reset();
}

void TestConsoleConfig::writeDotEnv(const QByteArray &text)
{
    QFile file(m_dir->filePath(QStringLiteral(".env")));
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
}

std::optional<ConsoleConfig> TestConsoleConfig::parse(
    const QStringList &flags, const QStringList &environment, QString *error, int *exitCode)
{
    return ConsoleConfig::parse(QStringList {QStringLiteral("metrics-console")} + flags,
        environmentOf(environment), error, exitCode);
}

void TestConsoleConfig::defaults()
{
    QString error;
    int exitCode = -1;
    const auto config = parse({}, {QStringLiteral("HOME=/home/pi")}, &error, &exitCode);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(exitCode, 0);
    QCOMPARE(config->udpPort, quint16(47800));
    QCOMPARE(config->httpPort, quint16(8000));
    QCOMPARE(config->udpBind, QHostAddress(QHostAddress::Any));
    QCOMPARE(config->httpBind, QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(config->database,
        QStringLiteral("/home/pi/.local/share/device-metrics-reporter/metrics.db"));
    QVERIFY(config->logFile.isEmpty());
    QCOMPARE(config->headless, false);
    QCOMPARE(config->offlineAfterSeconds, 60);
    QCOMPARE(config->statsIntervalSeconds, 60);
}

void TestConsoleConfig::precedence_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("envName");
    QTest::addColumn<QString>("flag"); // empty: not given
    QTest::addColumn<QString>("env");
    QTest::addColumn<QString>("dotEnv");
    QTest::addColumn<QString>("expected");

    struct Key
    {
        const char *key, *envName, *values[3], *defaultValue;
    };
    const Key keys[] = {
        {"udp-port", "METRICS_UDP_PORT", {"5001", "5002", "5003"}, "47800"},
        {"http-port", "METRICS_HTTP_PORT", {"8081", "8082", "8083"}, "8000"},
        {"bind", "METRICS_BIND", {"127.0.0.1", "::", "10.1.2.3"}, "0.0.0.0"},
        {"http-bind", "METRICS_HTTP_BIND", {"0.0.0.0", "::1", "192.168.1.5"}, "127.0.0.1"},
        {"db", "METRICS_DB", {"/flag/m.db", "/env/m.db", "/dotenv/m.db"},
            "/home/pi/.local/share/device-metrics-reporter/metrics.db"},
        {"log-file", "METRICS_LOG_FILE", {"-", "/env/metrics.log", "dotenv.log"}, ""},
        {"stats-interval", "METRICS_STATS_INTERVAL", {"0", "15", "30"}, "60"},
        {"offline-after", "METRICS_OFFLINE_AFTER", {"120", "300", "600"}, "60"},
        {"queue-capacity", "METRICS_QUEUE_CAPACITY", {"1000", "5000", "9000"}, "200000"},
        {"flush-interval", "METRICS_FLUSH_INTERVAL_MS", {"5", "50", "500"}, "1000"},
        {"receive-buffer", "METRICS_RECEIVE_BUFFER", {"65536", "131072", "262144"}, "8388608"},
        {"store-maintenance", "METRICS_STORE_MAINTENANCE", {"off", "on", "off"}, "on"},
        {"reuse-port", "METRICS_REUSE_PORT", {"on", "off", "on"}, "off"},
        {"forget-after", "METRICS_FORGET_AFTER_DAYS", {"7", "30", "90"}, "0"},
        {"headless", "METRICS_HEADLESS", {"", "1", "1"}, "false"},
    };
    for (const Key &k : keys) {
        const QString flag = QString::fromLatin1(k.values[0]);
        const QString env = QString::fromLatin1(k.values[1]);
        const QString dotEnv = QString::fromLatin1(k.values[2]);
        const bool boolean = !qstrcmp(k.key, "headless");
        if (!boolean)
            QTest::addRow("%s: flag beats all", k.key)
                << k.key << k.envName << flag << env << dotEnv << flag;
        QTest::addRow("%s: env beats .env", k.key)
            << k.key << k.envName << QString() << env << dotEnv << (boolean ? "true" : env);
        QTest::addRow("%s: .env beats default", k.key)
            << k.key << k.envName << QString() << QString() << dotEnv
            << (boolean ? "true" : dotEnv);
        QTest::addRow("%s: default", k.key)
            << k.key << k.envName << QString() << QString() << QString() << k.defaultValue;
    }
    QTest::newRow("headless: flag") << "headless"
                                    << "METRICS_HEADLESS"
                                    << "yes" << QString() << QString() << "true";
    QTest::newRow("headless: env 0 beats .env 1") << "headless"
                                                  << "METRICS_HEADLESS" << QString() << "0"
                                                  << "1"
                                                  << "false";
    QTest::newRow("bind: any") << "bind"
                               << "METRICS_BIND"
                               << "any" << QString() << QString() << "0.0.0.0";
    QTest::newRow("http-bind: localhost")
        << "http-bind"
        << "METRICS_HTTP_BIND" << QString() << "localhost" << QString() << "127.0.0.1";
    QTest::newRow("store-maintenance: 0")
        << "store-maintenance"
        << "METRICS_STORE_MAINTENANCE" << QString() << "0" << QString() << "off";
    QTest::newRow("reuse-port: 1") << "reuse-port"
                                   << "METRICS_REUSE_PORT" << QString() << "1" << QString() << "on";
    QTest::newRow("udp-port: 0 picks a free port") << "udp-port"
                                                   << "METRICS_UDP_PORT"
                                                   << "0" << QString() << QString() << "0";
    QTest::newRow("udp-port: 65535") << "udp-port"
                                     << "METRICS_UDP_PORT" << QString() << QString() << "65535"
                                     << "65535";
}

void TestConsoleConfig::precedence()
{
    QFETCH(QString, key);
    QFETCH(QString, envName);
    QFETCH(QString, flag);
    QFETCH(QString, env);
    QFETCH(QString, dotEnv);
    QFETCH(QString, expected);

    QStringList flags;
    if (key == QLatin1String("headless")) {
        if (!flag.isEmpty())
            flags << QStringLiteral("--headless");
    } else if (!flag.isNull()) {
        flags << QStringLiteral("--") + key << flag;
    }
    QStringList environment {QStringLiteral("HOME=/home/pi")};
    if (!env.isNull())
        environment << envName + QLatin1Char('=') + env;
    if (!dotEnv.isNull())
        writeDotEnv("# written by the test\nMETRICS_UNRELATED=1\n" + envName.toUtf8() + '='
            + dotEnv.toUtf8() + '\n');

    QString error;
    int exitCode = -1;
    const auto config = parse(flags, environment, &error, &exitCode);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(exitCode, 0);
    QCOMPARE(valueOf(*config, key), expected);
}

void TestConsoleConfig::invalidValues_data()
{
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QByteArray>("dotEnv");
    QTest::addColumn<QStringList>("mentions"); // what the message must name

    const QStringList none;
    QTest::newRow("port 70000") << QStringList {"--udp-port", "70000"} << none << QByteArray()
                                << QStringList {"udp-port", "70000"};
    QTest::newRow("port abc") << QStringList {"--http-port=abc"} << none << QByteArray()
                              << QStringList {"http-port", "abc"};
    QTest::newRow("negative port in env") << none << QStringList {"METRICS_UDP_PORT=-1"}
                                          << QByteArray() << QStringList {"METRICS_UDP_PORT", "-1"};
    QTest::newRow("negative interval") << QStringList {"--stats-interval", "-5"} << none
                                       << QByteArray() << QStringList {"stats-interval", "-5"};
    QTest::newRow("offline-after 0") << QStringList {"--offline-after", "0"} << none << QByteArray()
                                     << QStringList {"offline-after", "0"};
    QTest::newRow("queue too small in .env")
        << none << none << QByteArray("METRICS_QUEUE_CAPACITY=10\n")
        << QStringList {"METRICS_QUEUE_CAPACITY", ".env", "10"};
    QTest::newRow("flush interval abc in env")
        << none << QStringList {"METRICS_FLUSH_INTERVAL_MS=abc"} << QByteArray()
        << QStringList {"METRICS_FLUSH_INTERVAL_MS", "abc"};
    QTest::newRow("bad address") << QStringList {"--bind", "300.1.1.1"} << none << QByteArray()
                                 << QStringList {"bind", "300.1.1.1"};
    QTest::newRow("bad http address in env")
        << none << QStringList {"METRICS_HTTP_BIND=my-laptop"} << QByteArray()
        << QStringList {"METRICS_HTTP_BIND", "my-laptop"};
    QTest::newRow("empty db") << QStringList {"--db="} << none << QByteArray()
                              << QStringList {"db"};
    QTest::newRow("receive buffer too small") << QStringList {"--receive-buffer",
        "1024"} << none << QByteArray() << QStringList {"receive-buffer", "1024"};
    QTest::newRow("store-maintenance maybe") << QStringList {"--store-maintenance",
        "maybe"} << none << QByteArray() << QStringList {"store-maintenance", "maybe"};
    QTest::newRow("reuse-port yes in env")
        << none << QStringList {"METRICS_REUSE_PORT=yes"} << QByteArray()
        << QStringList {"METRICS_REUSE_PORT", "yes"};
    QTest::newRow("negative forget-after") << QStringList {"--forget-after", "-1"} << none
                                           << QByteArray() << QStringList {"forget-after", "-1"};
    QTest::newRow("port with trailing text") << QStringList {"--udp-port", "47800x"} << none
                                             << QByteArray() << QStringList {"udp-port", "47800x"};
    // A valid flag does not hide an invalid env value of another key.
    QTest::newRow("valid flag, invalid env")
        << QStringList {"--udp-port", "5000"} << QStringList {"METRICS_HTTP_PORT=99999"}
        << QByteArray() << QStringList {"METRICS_HTTP_PORT", "99999"};
}

void TestConsoleConfig::invalidValues()
{
    QFETCH(QStringList, flags);
    QFETCH(QStringList, environment);
    QFETCH(QByteArray, dotEnv);
    QFETCH(QStringList, mentions);

    if (!dotEnv.isEmpty())
        writeDotEnv(dotEnv);
    QString error;
    int exitCode = -1;
    QVERIFY(!parse(flags, environment, &error, &exitCode));
    QCOMPARE(exitCode, 2);
    for (const QString &mention : mentions)
        QVERIFY2(error.contains(mention), qPrintable(error));
}

void TestConsoleConfig::helpAndVersion_data()
{
    QTest::addColumn<QString>("flag");
    QTest::newRow("--help") << "--help";
    QTest::newRow("-h") << "-h";
    QTest::newRow("--version") << "--version";
}

void TestConsoleConfig::helpAndVersion()
{
    QFETCH(QString, flag);
    QString error;
    int exitCode = -1;
    // Also with an invalid value present: asking for help never fails.
    QVERIFY(!parse({flag}, {QStringLiteral("METRICS_UDP_PORT=70000")}, &error, &exitCode));
    QCOMPARE(exitCode, 0);
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void TestConsoleConfig::helpNamesTheProgram()
{
    // Qt would name the program after this test's argv[0] here, and
    // "<executable_name>" in metrics-console, which parses before it has an
    // application object.
    const QString help = ConsoleConfig::helpText();
    QVERIFY2(help.startsWith(QLatin1String("Usage: metrics-console [options]\n")),
        qPrintable(help.left(200)));
    QVERIFY2(!help.contains(QLatin1String("<executable_name>")), qPrintable(help.left(200)));
    for (const char *name :
        {"--headless", "--env-file", "METRICS_HEADLESS", "METRICS_API_TOKEN", "METRICS_SECURITY",
            "METRICS_KEY_FILE", "METRICS_MAX_CLOCK_SKEW", "METRICS_ACK_INTERVAL"})
        QVERIFY2(help.contains(QLatin1String(name)), name);
}

void TestConsoleConfig::helpOfTheProgram()
{
    QProcess console;
    console.start(
        QStringLiteral(DMR_BINARY_DIR "/console/metrics-console"), {QStringLiteral("--help")});
    QVERIFY2(console.waitForFinished(30000), qPrintable(console.errorString()));
    QCOMPARE(console.exitStatus(), QProcess::NormalExit);
    QCOMPARE(console.exitCode(), 0);
    const QString help = QString::fromLocal8Bit(console.readAllStandardOutput());
    QVERIFY2(help.startsWith(QLatin1String("Usage: metrics-console [options]\n")),
        qPrintable(help.left(200)));
    QVERIFY2(help.contains(QLatin1String("METRICS_API_TOKEN")), qPrintable(help));
}

void TestConsoleConfig::badArguments_data()
{
    QTest::addColumn<QStringList>("flags");
    QTest::addColumn<QString>("mention");
    QTest::newRow("unknown option") << QStringList {"--udp-prot", "5000"} << "udp-prot";
    QTest::newRow("missing value") << QStringList {"--udp-port"} << "udp-port";
    QTest::newRow("positional argument") << QStringList {"extra"} << "extra";
    QTest::newRow("missing --env-file")
        << QStringList {"--env-file", "/nonexistent/console.env"} << "/nonexistent/console.env";
}

void TestConsoleConfig::badArguments()
{
    QFETCH(QStringList, flags);
    QFETCH(QString, mention);
    QString error;
    int exitCode = -1;
    QVERIFY(!parse(flags, {}, &error, &exitCode));
    QCOMPARE(exitCode, 2);
    QVERIFY2(error.contains(mention), qPrintable(error));
}

void TestConsoleConfig::envFileOption()
{
    // --env-file replaces ./.env; it does not add to it.
    writeDotEnv("METRICS_UDP_PORT=1111\nMETRICS_HTTP_PORT=2222\n");
    const QString other = m_dir->filePath(QStringLiteral("console.env"));
    {
        QFile file(other);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("export METRICS_UDP_PORT=\"3333\" # from the other file\n");
    }
    QString error;
    int exitCode = -1;
    const auto config = parse({QStringLiteral("--env-file"), other}, {}, &error, &exitCode);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->udpPort, quint16(3333));
    QCOMPARE(config->httpPort, quint16(8000));
}

void TestConsoleConfig::defaultDatabasePath_data()
{
    QTest::addColumn<QStringList>("environment");
    QTest::addColumn<QString>("expected");

    QTest::newRow("HOME") << QStringList {"HOME=/home/pi"}
                          << "/home/pi/.local/share/device-metrics-reporter/metrics.db";
    QTest::newRow("XDG_DATA_HOME") << QStringList {"HOME=/home/pi", "XDG_DATA_HOME=/data/xdg"}
                                   << "/data/xdg/device-metrics-reporter/metrics.db";
    QTest::newRow("empty XDG_DATA_HOME falls back to HOME") << QStringList {"HOME=/home/pi",
        "XDG_DATA_HOME="} << "/home/pi/.local/share/device-metrics-reporter/metrics.db";
    QTest::newRow("STATE_DIRECTORY") << QStringList {"STATE_DIRECTORY=/var/lib/metrics-console"}
                                     << "/var/lib/metrics-console/metrics.db";
    QTest::newRow("STATE_DIRECTORY beats XDG_DATA_HOME") << QStringList {"HOME=/root",
        "XDG_DATA_HOME=/data/xdg", "STATE_DIRECTORY=/var/lib/metrics-console"}
                                                         << "/var/lib/metrics-console/metrics.db";
    QTest::newRow("several state directories: the first")
        << QStringList {"STATE_DIRECTORY=/var/lib/a:/var/lib/b"} << "/var/lib/a/metrics.db";
}

void TestConsoleConfig::defaultDatabasePath()
{
    QFETCH(QStringList, environment);
    QFETCH(QString, expected);
    QCOMPARE(ConsoleConfig::defaultDatabasePath(environmentOf(environment)), expected);
    QString error;
    int exitCode = -1;
    const auto config = parse({}, environment, &error, &exitCode);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->database, expected);
}

QTEST_GUILESS_MAIN(TestConsoleConfig)
#include "tst_consoleconfig.moc"
