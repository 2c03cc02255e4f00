// SPDX-License-Identifier: MIT
#include "AgentConfig.h"
#include "dmr/Codec.h"
#include "dmr/Seal.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <map>
#include <sys/stat.h>

using dmr::agent::AgentConfig;

namespace {

using Env = std::map<std::string, std::string>;

AgentConfig::Environment fakeEnv(const Env &values)
{
    return [values](const std::string &name) -> std::optional<std::string> {
        const auto found = values.find(name);
        if (found == values.end())
            return std::nullopt;
        return found->second;
    };
}

std::vector<std::string> split(const QString &args)
{
    std::vector<std::string> result;
    for (const QString &arg : args.split(' ', Qt::SkipEmptyParts))
        result.push_back(arg.toStdString());
    return result;
}

} // namespace

class TestAgentConfig : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;

    QString writeEnvFile(const QByteArray &content)
    {
        const QString path = m_dir.filePath(QString("env-%1").arg(m_files++));
        QFile file(path);
        if (file.open(QIODevice::WriteOnly))
            file.write(content);
        return path;
    }
    int m_files = 0;

    // A fixture root so the default device id does not depend on this machine.
    static QString root() { return QStringLiteral(DMR_TEST_DATA "/proc-rpi"); }

    // A file with `text` and exactly `mode`, as systemd or a user made it.
    static bool writeSecret(const QString &path, const QByteArray &text, mode_t mode)
    {
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly) || file.write(text) != text.size())
            return false;
        file.close();
        return ::chmod(QFile::encodeName(path).constData(), mode) == 0;
    }
    // A fresh, empty folder under m_dir, like the one systemd makes per unit.
    QString newFolder()
    {
        const QString path = m_dir.filePath(QString("dir-%1").arg(m_files++));
        QDir().mkpath(path);
        return path;
    }
    static QString credentialIn(const QString &directory)
    {
        return directory + QLatin1Char('/') + QLatin1String(AgentConfig::kKeyCredential);
    }

private slots:
    void precedence_data()
    {
        QTest::addColumn<QString>("args");
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QByteArray>("dotenv");
        QTest::addColumn<QString>("server");
        QTest::addColumn<double>("interval");
        QTest::addColumn<QString>("deviceId");

        const QByteArray dotenv
            = "METRICS_SERVER=10.0.0.3:4000\nMETRICS_INTERVAL=30\nDEVICE_ID=from-dotenv\n";
        const QStringList env
            = {"METRICS_SERVER=10.0.0.2:3000", "METRICS_INTERVAL=20", "DEVICE_ID=from-env"};
        QTest::newRow("defaults") << "" << QStringList() << QByteArray() << "127.0.0.1:47800"
                                  << 10.0 << "5c0a9f2e1b7d4e3a8c6f0d2b4a1e9c7f";
        QTest::newRow(".env over default")
            << "" << QStringList() << dotenv << "10.0.0.3:4000" << 30.0 << "from-dotenv";
        QTest::newRow("env over .env")
            << "" << env << dotenv << "10.0.0.2:3000" << 20.0 << "from-env";
        QTest::newRow("flag over env")
            << "--server 10.0.0.1:2000 --interval=0.5 --device-id from-flag" << env << dotenv
            << "10.0.0.1:2000" << 0.5 << "from-flag";
        QTest::newRow("mixed sources") << "--interval 5" << QStringList {"DEVICE_ID=from-env"}
                                       << dotenv << "10.0.0.3:4000" << 5.0 << "from-env";
        QTest::newRow("empty env value falls through")
            << "" << QStringList {"METRICS_SERVER="} << dotenv << "10.0.0.3:4000" << 30.0
            << "from-dotenv";
    }
    void precedence()
    {
        QFETCH(QString, args);
        QFETCH(QStringList, env);
        QFETCH(QByteArray, dotenv);
        Env values;
        for (const QString &pair : env)
            values[pair.section('=', 0, 0).toStdString()] = pair.section('=', 1).toStdString();
        values["METRICS_PROC_ROOT"] = root().toStdString();
        const QString envFile
            = dotenv.isEmpty() ? m_dir.filePath("does-not-exist") : writeEnvFile(dotenv);

        auto result = AgentConfig::parse(split(args), fakeEnv(values), envFile.toStdString());
        QVERIFY2(result.ok(), result.error().c_str());
        QTEST(QString::fromStdString(result.value().serverText()), "server");
        QTEST(result.value().intervalSeconds, "interval");
        QTEST(QString::fromStdString(result.value().deviceId), "deviceId");
    }

    void server_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("host");
        QTest::addColumn<int>("port");
        QTest::newRow("host:port") << "console.lan:9000"
                                   << "console.lan" << 9000;
        QTest::newRow("bare host") << "console.lan"
                                   << "console.lan" << 47800;
        QTest::newRow("ipv4") << "192.168.1.10:47801"
                              << "192.168.1.10" << 47801;
        QTest::newRow("bracketed ipv6") << "[2001:db8::1]:47802"
                                        << "2001:db8::1" << 47802;
        QTest::newRow("bracketed ipv6 no port") << "[::1]"
                                                << "::1" << 47800;
        QTest::newRow("bare ipv6") << "fe80::1"
                                   << "fe80::1" << 47800;
        QTest::newRow("port 0") << "host:0"
                                << "" << 0;
        QTest::newRow("port too big") << "host:65536"
                                      << "" << 0;
        QTest::newRow("port not a number") << "host:http"
                                           << "" << 0;
        QTest::newRow("no host") << ":47800"
                                 << "" << 0;
        QTest::newRow("unclosed bracket") << "[::1:47800"
                                          << "" << 0;
        QTest::newRow("junk after bracket") << "[::1]x"
                                            << "" << 0;
        QTest::newRow("space inside") << "my host:1"
                                      << "" << 0;
    }
    void server()
    {
        QFETCH(QString, text);
        QFETCH(QString, host);
        QFETCH(int, port);
        auto result = AgentConfig::parseServer(text.toStdString());
        QCOMPARE(result.ok(), !host.isEmpty());
        if (result.ok()) {
            QCOMPARE(QString::fromStdString(result.value().first), host);
            QCOMPARE(int(result.value().second), port);
        } else {
            QVERIFY(!result.error().empty());
        }
    }

    void badValues_data()
    {
        QTest::addColumn<QString>("args");
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("interval below minimum")
            << "--interval 0.05" << QStringList() << "--interval";
        QTest::newRow("interval not a number")
            << "" << QStringList {"METRICS_INTERVAL=ten"} << "METRICS_INTERVAL (environment)";
        QTest::newRow("interval nan") << "--interval nan" << QStringList() << "0.1 to 86400";
        QTest::newRow("interval too long") << "--interval 86401" << QStringList() << "0.1 to 86400";
        QTest::newRow("bad server") << "--server host:99999" << QStringList() << "--server";
        QTest::newRow("device id with space")
            << "" << QStringList {"DEVICE_ID=my pi"} << "DEVICE_ID";
        QTest::newRow("device id too long")
            << QString("--device-id ") + QString(65, 'a') << QStringList() << "1 to 64";
        QTest::newRow("include-lo not a bool") << "--include-lo=maybe" << QStringList() << "0 or 1";
        QTest::newRow("unknown option")
            << "--colour" << QStringList() << "unknown option '--colour'";
        QTest::newRow("positional argument")
            << "extra" << QStringList() << "unknown option 'extra'";
        QTest::newRow("missing value") << "--server" << QStringList() << "--server needs a value";
        QTest::newRow("empty value") << "--server=" << QStringList() << "non-empty";
        QTest::newRow("count zero") << "--count 0" << QStringList() << "--count";
        QTest::newRow("count negative") << "--count -3" << QStringList() << "--count";
        QTest::newRow("missing --env-file")
            << "--env-file /no/such/.env" << QStringList() << "--env-file";
        QTest::newRow("label name starts with a digit")
            << "--label 1st=x" << QStringList() << "--label: '1st' is not a label name";
        QTest::newRow("label name with a slash")
            << "" << QStringList {"METRICS_LABELS=a/b=x"}
            << "METRICS_LABELS (environment): 'a/b' is not a label name";
        QTest::newRow("label without =")
            << "--label location" << QStringList() << "'location' is not NAME=VALUE";
        QTest::newRow("label without a name")
            << "--label =lab" << QStringList() << "'' is not a label name";
        QTest::newRow("label given twice")
            << "--label role=a --label role=b" << QStringList() << "label role is given twice";
        QTest::newRow("label twice in the variable")
            << "" << QStringList {"METRICS_LABELS=role=a,x=1,role=b"}
            << "label role is given twice";
        QTest::newRow("label value with a control character")
            << "" << QStringList {"METRICS_LABELS=location=lab\x01"}
            << "label location: the value must be at most 253 bytes of UTF-8 without control";
        QTest::newRow("label value of 254 bytes")
            << "--label note=" + QString(254, 'v') << QStringList() << "253 bytes";
        QTest::newRow("label name of 65 characters")
            << "--label " + QString(65, 'n') + "=x" << QStringList() << "not a label name";
        QString many;
        for (int i = 0; i < 33; ++i)
            many += QString("l%1=v,").arg(i);
        QTest::newRow("33 labels")
            << "" << QStringList {"METRICS_LABELS=" + many} << "at most 32 labels";
        QTest::newRow("labels too long in all")
            << "--label a=" + QString(200, 'v') + " --label b=" + QString(200, 'v') << QStringList()
            << "more than 384";
        QTest::newRow("empty label") << "--label=" << QStringList() << "--label needs a non-empty";
        QTest::newRow("label without a value")
            << "--label" << QStringList() << "--label needs a value";
    }
    void badValues()
    {
        QFETCH(QString, args);
        QFETCH(QStringList, env);
        Env values {{"METRICS_PROC_ROOT", root().toStdString()}};
        for (const QString &pair : env)
            values[pair.section('=', 0, 0).toStdString()] = pair.section('=', 1).toStdString();
        auto result = AgentConfig::parse(split(args), fakeEnv(values), "");
        QVERIFY(!result.ok());
        QFETCH(QString, errorPart);
        QVERIFY2(
            QString::fromStdString(result.error()).contains(errorPart), result.error().c_str());
    }

    void labels_data()
    {
        QTest::addColumn<QString>("args");
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QByteArray>("dotenv");
        QTest::addColumn<QString>("labels"); // as name=value,... in name order

        const QByteArray dotenv = "METRICS_LABELS=location=dotenv,role=gateway\n";
        QTest::newRow("none") << "" << QStringList() << QByteArray() << "";
        QTest::newRow("flag") << "--label location=lab" << QStringList() << QByteArray()
                              << "location=lab";
        QTest::newRow("repeated flags, sorted by name")
            << "--label role=gateway --label location=lab --label=floor=2" << QStringList()
            << QByteArray() << "floor=2,location=lab,role=gateway";
        QTest::newRow("= in a value, empty value")
            << "--label query=a=b --label rack=" << QStringList() << QByteArray()
            << "query=a=b,rack=";
        QTest::newRow("environment")
            << "" << QStringList {"METRICS_LABELS=location=lab,role=gateway"} << QByteArray()
            << "location=lab,role=gateway";
        QTest::newRow("environment with blanks and empty items")
            << "" << QStringList {"METRICS_LABELS= role = gateway ,,location=lab,"} << QByteArray()
            << "location=lab,role=gateway";
        QTest::newRow(".env") << "" << QStringList() << dotenv << "location=dotenv,role=gateway";
        QTest::newRow(".env, quoted with blanks")
            << "" << QStringList()
            << QByteArray("METRICS_LABELS=\"location=Building 4, role=gateway\"\n")
            << "location=Building 4,role=gateway";
        QTest::newRow("environment over .env")
            << "" << QStringList {"METRICS_LABELS=location=env"} << dotenv << "location=env";
        // Flags replace the variable's list, as any flag replaces its variable.
        QTest::newRow("flags over environment and .env")
            << "--label site=flag" << QStringList {"METRICS_LABELS=location=env"} << dotenv
            << "site=flag";
        QTest::newRow("empty variable falls through to .env")
            << "" << QStringList {"METRICS_LABELS="} << dotenv << "location=dotenv,role=gateway";
        QTest::newRow("UTF-8 value")
            << "--label location=Zürich" << QStringList() << QByteArray() << "location=Zürich";
    }
    void labels()
    {
        QFETCH(QString, args);
        QFETCH(QStringList, env);
        QFETCH(QByteArray, dotenv);
        Env values {{"METRICS_PROC_ROOT", root().toStdString()}};
        for (const QString &pair : env)
            values[pair.section('=', 0, 0).toStdString()] = pair.section('=', 1).toStdString();
        const QString envFile
            = dotenv.isEmpty() ? m_dir.filePath("does-not-exist") : writeEnvFile(dotenv);
        auto result = AgentConfig::parse(split(args), fakeEnv(values), envFile.toStdString());
        QVERIFY2(result.ok(), result.error().c_str());
        QStringList labels;
        for (const auto &[name, value] : result.value().labels)
            labels << QString::fromStdString(name + '=' + value);
        QTEST(labels.join(','), "labels");
        QCOMPARE(QString::fromStdString(dmr::validateLabels(result.value().labels)), QString());
    }

    void badLabelInDotenvNamesFileAndLine()
    {
        const QString path = writeEnvFile("DEVICE_ID=pi\nMETRICS_LABELS=location=lab,bad name=x\n");
        auto result = AgentConfig::parse({"--env-file", path.toStdString()}, fakeEnv({}), "");
        QVERIFY(!result.ok());
        const QString error = QString::fromStdString(result.error());
        QVERIFY2(error.contains("METRICS_LABELS (" + path + ":2): 'bad name' is not a label name"),
            qPrintable(error));
        QVERIFY(AgentConfig::usage().find("METRICS_LABELS") != std::string::npos);
    }

    void badDotenvValueNamesFileAndLine()
    {
        const QString path = writeEnvFile("# settings\n\nMETRICS_INTERVAL=0\n");
        auto result = AgentConfig::parse({"--env-file", path.toStdString()}, fakeEnv({}), "");
        QVERIFY(!result.ok());
        QVERIFY2(
            QString::fromStdString(result.error()).contains(path + ":3"), result.error().c_str());
    }

    void envFileSyntax_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("key");
        QTest::addColumn<QString>("value");
        QTest::newRow("plain") << QByteArray("A=b\n") << "A"
                               << "b";
        QTest::newRow("export prefix") << QByteArray("export A=b\n") << "A"
                                       << "b";
        QTest::newRow("blanks around") << QByteArray("  A =  b  \n") << "A"
                                       << "b";
        QTest::newRow("double quotes") << QByteArray("A=\"b c # d\"\n") << "A"
                                       << "b c # d";
        QTest::newRow("escapes in double quotes") << QByteArray("A=\"say \\\"hi\\\"\"\n") << "A"
                                                  << "say \"hi\"";
        QTest::newRow("single quotes literal") << QByteArray("A='b\\n'\n") << "A"
                                               << "b\\n";
        QTest::newRow("comment after quote") << QByteArray("A=\"b\"  # why\n") << "A"
                                             << "b";
        QTest::newRow("inline comment") << QByteArray("A=b # why\n") << "A"
                                        << "b";
        QTest::newRow("hash inside value") << QByteArray("A=b#c\n") << "A"
                                           << "b#c";
        QTest::newRow("crlf") << QByteArray("A=b\r\n") << "A"
                              << "b";
        QTest::newRow("empty value") << QByteArray("A=\n") << "A"
                                     << "";
        QTest::newRow("equals in value") << QByteArray("A=b=c\n") << "A"
                                         << "b=c";
        QTest::newRow("comments and blanks only") << QByteArray("# x\n\n   # y\n") << ""
                                                  << "";
        QTest::newRow("no newline at end") << QByteArray("A=b") << "A"
                                           << "b";
    }
    void envFileSyntax()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, key);
        QFETCH(QString, value);
        auto result
            = AgentConfig::parseEnvFile(std::string_view(text.constData(), text.size()), ".env");
        QVERIFY2(result.ok(), result.error().c_str());
        if (key.isEmpty()) {
            QVERIFY(result.value().empty());
            return;
        }
        QCOMPARE(result.value().size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(result.value()[0].key), key);
        QCOMPARE(QString::fromStdString(result.value()[0].value), value);
    }

    void envFileErrors_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("errorPart");
        QTest::newRow("no equals") << QByteArray("A=1\nJUSTTEXT\n") << ".env:2: expected KEY=VALUE";
        QTest::newRow("bad key") << QByteArray("1A=b\n") << "not a variable name";
        QTest::newRow("unterminated quote") << QByteArray("A=\"b\n") << "unterminated";
        QTest::newRow("text after quote") << QByteArray("A=\"b\" c\n") << "after the closing quote";
    }
    void envFileErrors()
    {
        QFETCH(QByteArray, text);
        QFETCH(QString, errorPart);
        auto result
            = AgentConfig::parseEnvFile(std::string_view(text.constData(), text.size()), ".env");
        QVERIFY(!result.ok());
        QVERIFY2(
            QString::fromStdString(result.error()).contains(errorPart), result.error().c_str());
    }

    void logFile_data()
    {
        QTest::addColumn<QString>("args");
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QString>("logFile");
        QTest::newRow("by hand") << "" << QStringList() << ".log/metrics.log";
        QTest::newRow("under systemd") << "" << QStringList {"INVOCATION_ID=abc"} << "";
        QTest::newRow("journal stream") << "" << QStringList {"JOURNAL_STREAM=8:1234"} << "";
        QTest::newRow("dash means stderr") << "" << QStringList {"METRICS_LOG_FILE=-"} << "";
        QTest::newRow("explicit under systemd")
            << "--log-file /var/log/a.log" << QStringList {"INVOCATION_ID=abc"} << "/var/log/a.log";
    }
    void logFile()
    {
        QFETCH(QString, args);
        QFETCH(QStringList, env);
        Env values {{"METRICS_PROC_ROOT", root().toStdString()}};
        for (const QString &pair : env)
            values[pair.section('=', 0, 0).toStdString()] = pair.section('=', 1).toStdString();
        auto result = AgentConfig::parse(split(args), fakeEnv(values), "");
        QVERIFY2(result.ok(), result.error().c_str());
        QTEST(QString::fromStdString(result.value().logFile), "logFile");
    }

    void spillFile_data()
    {
        QTest::addColumn<QString>("args");
        QTest::addColumn<QStringList>("env");
        QTest::addColumn<QByteArray>("dotenv");
        QTest::addColumn<QString>("spillFile");
        QTest::newRow("off by default") << "" << QStringList() << QByteArray() << "";
        QTest::newRow(".env") << "" << QStringList() << QByteArray("METRICS_SPILL_FILE=/a\n")
                              << "/a";
        QTest::newRow("environment over .env") << "" << QStringList {"METRICS_SPILL_FILE=/b"}
                                               << QByteArray("METRICS_SPILL_FILE=/a\n") << "/b";
        QTest::newRow("flag over environment")
            << "--spill-file /c" << QStringList {"METRICS_SPILL_FILE=/b"} << QByteArray() << "/c";
        QTest::newRow("empty variable is off")
            << "" << QStringList {"METRICS_SPILL_FILE="} << QByteArray() << "";
    }
    void spillFile()
    {
        QFETCH(QString, args);
        QFETCH(QStringList, env);
        QFETCH(QByteArray, dotenv);
        Env values {{"METRICS_PROC_ROOT", root().toStdString()}};
        for (const QString &pair : env)
            values[pair.section('=', 0, 0).toStdString()] = pair.section('=', 1).toStdString();
        const QString envFile
            = dotenv.isEmpty() ? m_dir.filePath("does-not-exist") : writeEnvFile(dotenv);
        auto result = AgentConfig::parse(split(args), fakeEnv(values), envFile.toStdString());
        QVERIFY2(result.ok(), result.error().c_str());
        QTEST(QString::fromStdString(result.value().spillFile), "spillFile");
        // An empty flag is a mistake, not a way to turn it off.
        QVERIFY(!AgentConfig::parse(split("--spill-file="), fakeEnv(values), "").ok());
    }

    void flagsAndActions()
    {
        const Env env {{"METRICS_PROC_ROOT", root().toStdString()}};
        auto once = AgentConfig::parse(
            split("--once --print --include-lo --disk-path /tmp"), fakeEnv(env), "");
        QVERIFY2(once.ok(), once.error().c_str());
        QVERIFY(once.value().once && once.value().print && once.value().includeLoopback);
        QCOMPARE(once.value().count, std::uint64_t(1));
        QCOMPARE(once.value().diskPath, std::string("/tmp"));
        QVERIFY(!once.value().serverGiven);

        auto count
            = AgentConfig::parse(split("--count 7 --bench-reports 100 --root /x"), fakeEnv({}), "");
        QVERIFY(count.ok());
        QCOMPARE(count.value().count, std::uint64_t(7));
        QCOMPARE(count.value().benchReports, std::uint64_t(100));
        QCOMPARE(count.value().root, std::string("/x"));

        // --help wins over anything else on the line, even bad values.
        auto help = AgentConfig::parse(split("--interval 0 --help"), fakeEnv({}), "");
        QVERIFY(help.ok() && help.value().help);
        QVERIFY(AgentConfig::usage().find("METRICS_SERVER") != std::string::npos);
    }

    // systemd's LoadCredential= copies the key into $CREDENTIALS_DIRECTORY,
    // where the agent under DynamicUser= can read it.
    void keyFromCredential_data()
    {
        QTest::addColumn<QString>("directory"); // CREDENTIALS_DIRECTORY; FOLDER: a new one
        QTest::addColumn<bool>("exists");
        QTest::addColumn<QByteArray>("text"); // "KEY" becomes the key's line
        QTest::addColumn<int>("mode");
        QTest::addColumn<bool>("keyExpected");
        QTest::addColumn<QString>("errorPart"); // "" when the configuration is valid

        QTest::newRow("owner only (systemd on ramfs: the service's user owns it)")
            << "FOLDER" << true << QByteArray("KEY\n") << 0400 << true << "";
        QTest::newRow("group can read (systemd on tmpfs: an ACL, whose mask is the group bits)")
            << "FOLDER" << true << QByteArray("KEY\n") << 0440 << true << "";
        QTest::newRow("set up by hand, owner read-write")
            << "FOLDER" << true << QByteArray("# device 7\nKEY\n") << 0600 << true << "";
        QTest::newRow("no such credential: no key, as without systemd")
            << "FOLDER" << false << QByteArray() << 0400 << false << "";
        QTest::newRow("CREDENTIALS_DIRECTORY unset")
            << "UNSET" << false << QByteArray() << 0400 << false << "";
        QTest::newRow("CREDENTIALS_DIRECTORY empty")
            << "" << false << QByteArray() << 0400 << false << "";
        QTest::newRow("\"none\": the unit's fallback without /etc/metrics-agent/key")
            << "FOLDER" << true << QByteArray("none\n") << 0400 << false << "";
        QTest::newRow("others can read") << "FOLDER" << true << QByteArray("KEY\n") << 0444 << false
                                         << "can be read or written by others than its owner";
        QTest::newRow("group can write")
            << "FOLDER" << true << QByteArray("KEY\n") << 0460 << false << "chmod 600";
        QTest::newRow("not a key") << "FOLDER" << true << QByteArray("secret\n") << 0400 << false
                                   << "expected one line KEY_ID:KEY_HEX";
        QTest::newRow("only a comment")
            << "FOLDER" << true << QByteArray("# todo\n") << 0400 << false << "holds no key";
    }
    void keyFromCredential()
    {
        QFETCH(QString, directory);
        QFETCH(bool, exists);
        QFETCH(QByteArray, text);
        QFETCH(int, mode);
        QFETCH(bool, keyExpected);
        QFETCH(QString, errorPart);
        const dmr::Key key = dmr::Key::generate();
        if (directory == "FOLDER")
            directory = newFolder();
        const QString path = credentialIn(directory);
        if (exists)
            QVERIFY(writeSecret(path, text.replace("KEY", key.toText().c_str()), mode_t(mode)));
        Env env {{"METRICS_PROC_ROOT", root().toStdString()}};
        if (directory != "UNSET")
            env["CREDENTIALS_DIRECTORY"] = directory.toStdString();

        auto result = AgentConfig::parse({}, fakeEnv(env), "");
        if (!errorPart.isEmpty()) {
            QVERIFY(!result.ok());
            const QString error = QString::fromStdString(result.error());
            QVERIFY2(error.contains("systemd credential " + path), qPrintable(error));
            QVERIFY2(error.contains(errorPart), qPrintable(error));
            return;
        }
        QVERIFY2(result.ok(), result.error().c_str());
        const AgentConfig &config = result.value();
        QCOMPARE(config.key.has_value(), keyExpected);
        if (keyExpected) {
            QCOMPARE(config.key->toText(), key.toText());
            QCOMPARE(config.security, dmr::Security::Sign);
            QCOMPARE(QString::fromStdString(config.keySource), "systemd credential " + path);
        } else {
            QCOMPARE(config.security, dmr::Security::None);
            QVERIFY(config.keySource.empty());
        }
    }

    void keyFileWinsOverCredential()
    {
        const dmr::Key credentialKey = dmr::Key::generate();
        const dmr::Key fileKey = dmr::Key::generate();
        const QString directory = newFolder();
        QVERIFY(writeSecret(credentialIn(directory), credentialKey.toText().c_str(), 0400));
        const QString keyFile = m_dir.filePath("device.key");
        QVERIFY(writeSecret(keyFile, fileKey.toText().c_str(), 0600));
        const Env credentials {{"METRICS_PROC_ROOT", root().toStdString()},
            {"CREDENTIALS_DIRECTORY", directory.toStdString()}};

        Env env = credentials;
        env["METRICS_KEY_FILE"] = keyFile.toStdString();
        auto fromEnvironment = AgentConfig::parse({}, fakeEnv(env), "");
        QVERIFY2(fromEnvironment.ok(), fromEnvironment.error().c_str());
        QCOMPARE(fromEnvironment.value().key->toText(), fileKey.toText());
        QCOMPARE(QString::fromStdString(fromEnvironment.value().keySource), keyFile);

        auto fromFlag
            = AgentConfig::parse({"--key-file", keyFile.toStdString()}, fakeEnv(credentials), "");
        QVERIFY2(fromFlag.ok(), fromFlag.error().c_str());
        QCOMPARE(fromFlag.value().key->toText(), fileKey.toText());

        // A configured key file that fails is an error, not a reason to take
        // the credential instead; the message says where that one is.
        env["METRICS_KEY_FILE"] = m_dir.filePath("no-such.key").toStdString();
        auto missing = AgentConfig::parse({}, fakeEnv(env), "");
        QVERIFY(!missing.ok());
        const QString error = QString::fromStdString(missing.error());
        QVERIFY2(error.startsWith("METRICS_KEY_FILE (environment): cannot read key file"),
            qPrintable(error));
        QVERIFY2(error.contains(credentialIn(directory)), qPrintable(error));
    }

    void securityLevelWithCredential()
    {
        const dmr::Key key = dmr::Key::generate();
        const QString directory = newFolder();
        QVERIFY(writeSecret(credentialIn(directory), key.toText().c_str(), 0400));
        Env env {{"METRICS_PROC_ROOT", root().toStdString()},
            {"CREDENTIALS_DIRECTORY", directory.toStdString()}, {"METRICS_SECURITY", "encrypt"}};
        auto encrypt = AgentConfig::parse({}, fakeEnv(env), "");
        QVERIFY2(encrypt.ok(), encrypt.error().c_str());
        QCOMPARE(encrypt.value().security, dmr::Security::Encrypt);
        QCOMPARE(encrypt.value().key->toText(), key.toText());

        // Without a key anywhere, the error names both places one can be.
        env["CREDENTIALS_DIRECTORY"] = newFolder().toStdString();
        auto keyless = AgentConfig::parse({}, fakeEnv(env), "");
        QVERIFY(!keyless.ok());
        const QString error = QString::fromStdString(keyless.error());
        QVERIFY2(error.contains("METRICS_KEY_FILE") && error.contains("/etc/metrics-agent/key"),
            qPrintable(error));
    }

    void deviceIdFallsBackToHostname()
    {
        // proc-garbage has an unprintable machine-id and no hostname file.
        const Env env {{"METRICS_PROC_ROOT", DMR_TEST_DATA "/proc-garbage"}};
        auto result = AgentConfig::parse({}, fakeEnv(env), "");
        QVERIFY(result.ok());
        QVERIFY(!result.value().deviceId.empty());
        QVERIFY(result.value().deviceId != "unknown");
        const Env laptop {{"METRICS_PROC_ROOT", DMR_TEST_DATA "/proc-laptop"}};
        QCOMPARE(AgentConfig::parse({}, fakeEnv(laptop), "").value().deviceId,
            std::string("0123456789abcdef0123456789abcdef"));
    }
};

QTEST_GUILESS_MAIN(TestAgentConfig)
#include "tst_agentconfig.moc"
