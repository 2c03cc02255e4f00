// SPDX-License-Identifier: MIT
#include "config/EnvFile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

class TestEnvFile : public QObject
{
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
    void ignoredLines_data();
    void ignoredLines();
    void laterLineWins();
    void load();
    void loadMissing();
};

void TestEnvFile::parse_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");

    QTest::newRow("plain") << QByteArray("METRICS_UDP_PORT=47800") << "METRICS_UDP_PORT"
                           << "47800";
    QTest::newRow("spaces around") << QByteArray("  KEY = value  ") << "KEY"
                                   << "value";
    QTest::newRow("export prefix") << QByteArray("export METRICS_DB=/var/lib/m.db") << "METRICS_DB"
                                   << "/var/lib/m.db";
    QTest::newRow("double quotes") << QByteArray("KEY=\"hello world\"") << "KEY"
                                   << "hello world";
    QTest::newRow("single quotes") << QByteArray("KEY='hello world'") << "KEY"
                                   << "hello world";
    QTest::newRow("quoted hash is not a comment") << QByteArray("KEY=\"a # b\"") << "KEY"
                                                  << "a # b";
    QTest::newRow("equals in value") << QByteArray("URL=http://x/?a=1&b=2") << "URL"
                                     << "http://x/?a=1&b=2";
    QTest::newRow("quoted equals") << QByteArray("KEY='a=b=c'") << "KEY"
                                   << "a=b=c";
    QTest::newRow("inline comment") << QByteArray("KEY=value # the port") << "KEY"
                                    << "value";
    QTest::newRow("hash without space is a value") << QByteArray("COLOR=#ff0000") << "COLOR"
                                                   << "#ff0000";
    QTest::newRow("hash inside a value") << QByteArray("KEY=a#b") << "KEY"
                                         << "a#b";
    QTest::newRow("quoted value with inline comment")
        << QByteArray("KEY=\"a b\" # comment") << "KEY"
        << "a b";
    QTest::newRow("single-quoted value with inline comment")
        << QByteArray("KEY='x' # comment") << "KEY"
        << "x";
    QTest::newRow("empty value") << QByteArray("KEY=") << "KEY"
                                 << "";
    QTest::newRow("empty quotes") << QByteArray("KEY=\"\"") << "KEY"
                                  << "";
    QTest::newRow("mismatched quotes kept") << QByteArray("KEY=\"abc'") << "KEY"
                                            << "\"abc'";
    QTest::newRow("carriage return") << QByteArray("KEY=value\r") << "KEY"
                                     << "value";
    QTest::newRow("utf-8") << QByteArray("HOST=caf\xc3\xa9") << "HOST" << QStringLiteral("café");
}

void TestEnvFile::parse()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, key);
    QFETCH(QString, value);

    const QByteArray text = "# a comment\n\nOTHER=1\n" + line + "\nLAST=2\n";
    const EnvFile env = EnvFile::parse(text);
    QVERIFY(env.contains(key));
    QCOMPARE(env.value(key), value);
    QCOMPARE(env.value(QStringLiteral("OTHER")), QStringLiteral("1"));
    QCOMPARE(env.value(QStringLiteral("LAST")), QStringLiteral("2"));
}

void TestEnvFile::ignoredLines_data()
{
    QTest::addColumn<QByteArray>("line");
    QTest::newRow("comment") << QByteArray("# KEY=1");
    QTest::newRow("indented comment") << QByteArray("   # KEY=1");
    QTest::newRow("blank") << QByteArray("   ");
    QTest::newRow("no equals") << QByteArray("KEY");
    QTest::newRow("no key") << QByteArray("=1");
    QTest::newRow("export alone") << QByteArray("export ");
}

void TestEnvFile::ignoredLines()
{
    QFETCH(QByteArray, line);
    const EnvFile env = EnvFile::parse("A=1\n" + line + "\nB=2");
    QVERIFY(!env.contains(QStringLiteral("KEY")));
    QVERIFY(!env.contains(QString()));
    QVERIFY(!env.contains(QStringLiteral("export")));
    QCOMPARE(env.value(QStringLiteral("A")), QStringLiteral("1"));
    QCOMPARE(env.value(QStringLiteral("B")), QStringLiteral("2"));
}

void TestEnvFile::laterLineWins()
{
    const EnvFile env = EnvFile::parse("KEY=1\nKEY=2\n");
    QCOMPARE(env.value(QStringLiteral("KEY")), QStringLiteral("2"));
    QVERIFY(!env.contains(QStringLiteral("key")));
}

void TestEnvFile::load()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral(".env"));
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("# console settings\r\nexport METRICS_HTTP_PORT=8080\r\nMETRICS_DB='/tmp/m.db'\r\n");
    file.close();
    QString error;
    const std::optional<EnvFile> env = EnvFile::load(path, &error);
    QVERIFY2(env, qPrintable(error));
    QCOMPARE(env->value(QStringLiteral("METRICS_HTTP_PORT")), QStringLiteral("8080"));
    QCOMPARE(env->value(QStringLiteral("METRICS_DB")), QStringLiteral("/tmp/m.db"));
}

void TestEnvFile::loadMissing()
{
    QString error;
    QVERIFY(!EnvFile::load(QStringLiteral("/nonexistent/.env"), &error));
    QVERIFY2(error.contains(QLatin1String("/nonexistent/.env")), qPrintable(error));
}

QTEST_GUILESS_MAIN(TestEnvFile)
#include "tst_envfile.moc"
