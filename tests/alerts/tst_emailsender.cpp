// SPDX-License-Identifier: MIT
// EmailSender against a real SMTP server on 127.0.0.1 (smtp_server.py, on
// aiosmtpd, with a self-signed certificate made here), its settings, and the
// message it composes.
#include "alerts/EmailSender.h"

#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace dmr::console;

namespace {

// Debian's python3-aiosmtpd is installed for Debian's interpreter; a pyenv or
// venv python3 ahead of it on PATH would not find it.
QString python()
{
    return QFile::exists(QStringLiteral("/usr/bin/python3")) ? QStringLiteral("/usr/bin/python3")
                                                             : QStringLiteral("python3");
}

// smtp_server.py as a child process: its port, and what it saw (one JSON
// object a line on its stdout).
class SmtpServer
{
public:
    ~SmtpServer()
    {
        m_process.closeWriteChannel(); // the script exits at the end of its stdin
        if (!m_process.waitForFinished(5000))
            m_process.kill();
    }

    bool start(const QStringList &arguments)
    {
        m_process.start(python(), QStringList {QStringLiteral(DMR_SMTP_SERVER)} + arguments);
        if (!m_process.waitForStarted(10000))
            return false;
        while (!m_process.canReadLine()) {
            if (!m_process.waitForReadyRead(20000)) {
                qWarning().noquote() << "smtp_server.py:" << m_process.readAllStandardError();
                return false;
            }
        }
        m_port = m_process.readLine().trimmed().toUShort();
        return m_port != 0;
    }

    quint16 port() const { return m_port; }

    QList<QJsonObject> events(const QString &kind)
    {
        while (m_process.canReadLine())
            m_events << QJsonDocument::fromJson(m_process.readLine()).object();
        QList<QJsonObject> matching;
        for (const QJsonObject &event : std::as_const(m_events)) {
            if (event.value(QLatin1String("event")).toString() == kind)
                matching << event;
        }
        return matching;
    }

private:
    QProcess m_process;
    quint16 m_port = 0;
    QList<QJsonObject> m_events;
};

QStringList strings(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &item : value.toArray())
        list << item.toString();
    return list;
}

QJsonObject object(const QByteArray &json)
{
    return QJsonDocument::fromJson(json).object();
}

EmailSender::Settings::Security securityFrom(const QString &name)
{
    if (name == QLatin1String("tls"))
        return EmailSender::Security::Tls;
    if (name == QLatin1String("none"))
        return EmailSender::Security::None;
    return EmailSender::Security::StartTls;
}

// The header section's lines, unfolded.
QStringList headers(const QByteArray &message)
{
    QStringList lines;
    for (const QByteArray &line : message.left(message.indexOf("\r\n\r\n")).split('\n')) {
        const QString text = QString::fromUtf8(line).chopped(line.endsWith('\r') ? 1 : 0);
        if (text.startsWith(QLatin1Char(' ')) && !lines.isEmpty())
            lines.last() += text;
        else
            lines << text;
    }
    if (!lines.isEmpty() && lines.constLast().isEmpty())
        lines.removeLast();
    return lines;
}

const char *const User = "alerts";
const char *const Password = "s3cret pass";

} // namespace

class TestEmailSender : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void delivers_data();
    void delivers();
    void wrongPassword();
    void closedPort();
    void noPasswordInPlainText();
    void startTlsNotOffered();
    void untrustedCertificate();
    void timeout();
    void settingsFromJson_data();
    void settingsFromJson();
    void settingsDefaultsAndRoundTrip();
    void bodyEncoding_data();
    void bodyEncoding();
    void dateHeader_data();
    void dateHeader();
    void longSubjectIsEncodedAndFolded();
    void subjectCannotAddHeaders();
    void dotStuffed_data();
    void dotStuffed();

private:
    QStringList tlsServer() const
    {
        return {QStringLiteral("--cert"), m_dir.filePath(QStringLiteral("cert.pem")),
            QStringLiteral("--key"), m_dir.filePath(QStringLiteral("key.pem")),
            QStringLiteral("--user"), QLatin1String(User), QStringLiteral("--password"),
            QLatin1String(Password)};
    }
    static QStringList plainServer()
    {
        return {QStringLiteral("--user"), QLatin1String(User), QStringLiteral("--password"),
            QLatin1String(Password)};
    }
    static EmailSender::Settings settings(quint16 port, EmailSender::Security security)
    {
        EmailSender::Settings settings;
        settings.host = QStringLiteral("127.0.0.1");
        settings.port = port;
        settings.security = security;
        settings.username = QLatin1String(User);
        settings.password = QLatin1String(Password);
        settings.from = QStringLiteral("console@dmr.test");
        settings.to
            = QStringList {QStringLiteral("ops@dmr.test"), QStringLiteral("oncall@dmr.test")};
        settings.verifyPeer = false;
        settings.timeoutMs = 20000;
        return settings;
    }
    static Notification notification(const QString &subject, const QString &text)
    {
        return {subject, text, QJsonObject {{QStringLiteral("status"), QStringLiteral("firing")}}};
    }

    QTemporaryDir m_dir;
};

void TestEmailSender::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QProcess openssl;
    openssl.setWorkingDirectory(m_dir.path());
    openssl.start(QStringLiteral("openssl"),
        QStringList {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
            QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
            QStringLiteral("1"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
            QStringLiteral("-keyout"), QStringLiteral("key.pem"), QStringLiteral("-out"),
            QStringLiteral("cert.pem")});
    QVERIFY2(openssl.waitForStarted(10000), "openssl is missing (installers/debian-packages.txt)");
    QVERIFY(openssl.waitForFinished(60000));
    QVERIFY2(openssl.exitCode() == 0, openssl.readAllStandardError().constData());

    QProcess check;
    check.start(python(), QStringList {QStringLiteral("-c"), QStringLiteral("import aiosmtpd")});
    QVERIFY(check.waitForFinished(20000));
    QVERIFY2(check.exitCode() == 0, "python3-aiosmtpd is missing (installers/debian-packages.txt)");
}

void TestEmailSender::delivers_data()
{
    QTest::addColumn<QString>("security");
    QTest::addColumn<QStringList>("serverOptions");
    QTest::addColumn<QString>("encoding");

    QTest::newRow("STARTTLS, 8BITMIME") << "starttls" << QStringList() << "8bit";
    QTest::newRow("STARTTLS, no 8BITMIME")
        << "starttls" << QStringList {QStringLiteral("--no-8bitmime")} << "quoted-printable";
    QTest::newRow("TLS from the first byte")
        << "tls" << QStringList {QStringLiteral("--implicit-tls")} << "8bit";
}

void TestEmailSender::delivers()
{
    QFETCH(QString, security);
    QFETCH(QStringList, serverOptions);
    QFETCH(QString, encoding);

    SmtpServer server;
    QVERIFY(server.start(tlsServer() + serverOptions));
    EmailSender sender(settings(server.port(), securityFrom(security)));
    QSignalSpy finished(&sender, &EmailSender::finished);

    const QString subject = QStringLiteral("Gerät offline – 3 devices");
    const QString text = QStringLiteral("3 devices offline since 12:00 UTC\n"
                                        ".hidden starts with a dot\n"
                                        ".\n"
                                        "..two dots\n"
                                        "\n"
                                        "Zählerstand 5 °C — trailing space \n"
                                        "long: ")
        + QString(120, QChar(0x00e4)) + QStringLiteral(" end\n");
    const QDateTime sent = QDateTime::currentDateTimeUtc();
    sender.send(notification(subject, text));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("250 2.0.0 Ok: queued as TEST1"));

    QTRY_COMPARE_WITH_TIMEOUT(server.events(QStringLiteral("message")).size(), 1, 10000);
    const QJsonObject message = server.events(QStringLiteral("message")).at(0);
    QCOMPARE(
        message.value(QLatin1String("mail_from")).toString(), QStringLiteral("console@dmr.test"));
    QCOMPARE(strings(message.value(QLatin1String("rcpt_tos"))),
        (QStringList {QStringLiteral("ops@dmr.test"), QStringLiteral("oncall@dmr.test")}));
    QCOMPARE(message.value(QLatin1String("subject")).toString(), subject);
    QCOMPARE(message.value(QLatin1String("body")).toString(), text);

    const QJsonObject headers = message.value(QLatin1String("headers")).toObject();
    QCOMPARE(headers.value(QLatin1String("From")).toString(), QStringLiteral("console@dmr.test"));
    QCOMPARE(headers.value(QLatin1String("To")).toString(),
        QStringLiteral("ops@dmr.test, oncall@dmr.test"));
    QCOMPARE(headers.value(QLatin1String("MIME-Version")).toString(), QStringLiteral("1.0"));
    QCOMPARE(headers.value(QLatin1String("Content-Transfer-Encoding")).toString(), encoding);
    QVERIFY(headers.value(QLatin1String("Message-ID"))
                .toString()
                .contains(QRegularExpression(QStringLiteral("^<[0-9a-f-]{36}@dmr\\.test>$"))));
    const QDateTime date
        = QDateTime::fromString(message.value(QLatin1String("date")).toString(), Qt::ISODate);
    QVERIFY2(date.isValid() && qAbs(date.secsTo(sent)) < 120,
        qPrintable(headers.value(QLatin1String("Date")).toString()));
    QCOMPARE(strings(message.value(QLatin1String("mail_options")))
                 .contains(QStringLiteral("BODY=8BITMIME")),
        encoding == QLatin1String("8bit"));

    // CRLF everywhere, and nothing longer than the encoding allows.
    const QString raw = message.value(QLatin1String("raw")).toString();
    QVERIFY(raw.contains(QLatin1String("\r\nContent-Type: text/plain; charset=utf-8\r\n")));
    QCOMPARE(raw.count(QLatin1String("\r\n")), raw.count(QLatin1Char('\n')));
    if (encoding == QLatin1String("quoted-printable")) {
        for (const QString &line : raw.split(QLatin1String("\r\n")))
            QVERIFY2(line.size() <= 76, qPrintable(line));
    }

    const QList<QJsonObject> auth = server.events(QStringLiteral("auth"));
    QCOMPARE(auth.size(), 1);
    QCOMPARE(auth.at(0).value(QLatin1String("mechanism")).toString(), QStringLiteral("PLAIN"));
    QVERIFY(auth.at(0).value(QLatin1String("ok")).toBool());
    QVERIFY(auth.at(0).value(QLatin1String("tls")).toBool());
    const QList<QJsonObject> ehlo = server.events(QStringLiteral("ehlo"));
    QVERIFY(!ehlo.isEmpty());
    QVERIFY(!ehlo.at(0).value(QLatin1String("hostname")).toString().isEmpty());

    // Once, and the sender takes the next notification.
    QTest::qWait(200);
    QCOMPARE(finished.size(), 1);
    sender.send(notification(QStringLiteral("[warning] 1 device late"), QStringLiteral("abc\n")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 2, 20000);
    QVERIFY2(finished.at(1).at(0).toBool(), qPrintable(finished.at(1).at(1).toString()));
    QTRY_COMPARE_WITH_TIMEOUT(server.events(QStringLiteral("message")).size(), 2, 10000);
    QCOMPARE(
        server.events(QStringLiteral("message")).at(1).value(QLatin1String("subject")).toString(),
        QStringLiteral("[warning] 1 device late"));
}

void TestEmailSender::wrongPassword()
{
    SmtpServer server;
    QVERIFY(server.start(tlsServer()));
    EmailSender::Settings wrong = settings(server.port(), EmailSender::Security::StartTls);
    wrong.password = QStringLiteral("not the password");
    EmailSender sender(wrong);
    QSignalSpy finished(&sender, &EmailSender::finished);
    sender.send(notification(QStringLiteral("subject"), QStringLiteral("text")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY(!finished.at(0).at(0).toBool());
    const QString detail = finished.at(0).at(1).toString();
    QVERIFY2(detail.startsWith(QLatin1String("AUTH PLAIN: 535")), qPrintable(detail));

    QTRY_COMPARE_WITH_TIMEOUT(server.events(QStringLiteral("quit")).size(), 1, 10000);
    QCOMPARE(server.events(QStringLiteral("auth")).size(), 1);
    QVERIFY(!server.events(QStringLiteral("auth")).at(0).value(QLatin1String("ok")).toBool());
    QVERIFY(server.events(QStringLiteral("message")).isEmpty());
    QTest::qWait(100);
    QCOMPARE(finished.size(), 1);
}

void TestEmailSender::closedPort()
{
    quint16 port = 0;
    {
        QTcpServer listener;
        QVERIFY(listener.listen(QHostAddress::LocalHost));
        port = listener.serverPort();
    }
    EmailSender sender(settings(port, EmailSender::Security::StartTls));
    QSignalSpy finished(&sender, &EmailSender::finished);
    QElapsedTimer clock;
    clock.start();
    sender.send(notification(QStringLiteral("subject"), QStringLiteral("text")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QVERIFY(clock.elapsed() < 5000);
    QVERIFY(!finished.at(0).at(0).toBool());
    const QString detail = finished.at(0).at(1).toString();
    QVERIFY2(detail.startsWith(QStringLiteral("connect to 127.0.0.1:%1: ").arg(port))
            && detail.contains(QLatin1String("refused"), Qt::CaseInsensitive),
        qPrintable(detail));
    QTest::qWait(100);
    QCOMPARE(finished.size(), 1);
}

void TestEmailSender::noPasswordInPlainText()
{
    // The server offers AUTH in plain text; the sender must not take it up.
    SmtpServer server;
    QVERIFY(server.start(plainServer()));
    EmailSender sender(settings(server.port(), EmailSender::Security::None));
    QSignalSpy finished(&sender, &EmailSender::finished);
    sender.send(notification(QStringLiteral("subject"), QStringLiteral("text")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY(!finished.at(0).at(0).toBool());
    const QString detail = finished.at(0).at(1).toString();
    QVERIFY2(
        detail.startsWith(QLatin1String("AUTH: ")) && detail.contains(QLatin1String("unencrypted")),
        qPrintable(detail));

    QTRY_COMPARE_WITH_TIMEOUT(server.events(QStringLiteral("quit")).size(), 1, 10000);
    QCOMPARE(server.events(QStringLiteral("ehlo")).size(), 1);
    QVERIFY(server.events(QStringLiteral("auth")).isEmpty());
    QVERIFY(server.events(QStringLiteral("message")).isEmpty());
}

void TestEmailSender::startTlsNotOffered()
{
    SmtpServer server;
    QVERIFY(server.start(plainServer()));
    EmailSender sender(settings(server.port(), EmailSender::Security::StartTls));
    QSignalSpy finished(&sender, &EmailSender::finished);
    sender.send(notification(QStringLiteral("subject"), QStringLiteral("text")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY(!finished.at(0).at(0).toBool());
    const QString detail = finished.at(0).at(1).toString();
    QVERIFY2(detail.startsWith(QLatin1String("STARTTLS: the server does not offer it")),
        qPrintable(detail));
    QTRY_COMPARE_WITH_TIMEOUT(server.events(QStringLiteral("quit")).size(), 1, 10000);
    QVERIFY(server.events(QStringLiteral("auth")).isEmpty());
}

void TestEmailSender::untrustedCertificate()
{
    // verifyPeer is the default, and the test's certificate is self-signed.
    SmtpServer server;
    QVERIFY(server.start(tlsServer()));
    EmailSender::Settings verifying = settings(server.port(), EmailSender::Security::StartTls);
    verifying.verifyPeer = EmailSender::Settings().verifyPeer;
    QVERIFY(verifying.verifyPeer);
    EmailSender sender(verifying);
    QSignalSpy finished(&sender, &EmailSender::finished);
    sender.send(notification(QStringLiteral("subject"), QStringLiteral("text")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 20000);
    QVERIFY(!finished.at(0).at(0).toBool());
    const QString detail = finished.at(0).at(1).toString();
    QVERIFY2(detail.startsWith(QLatin1String("STARTTLS handshake: "))
            && detail.contains(QLatin1String("certificate")),
        qPrintable(detail));
    QTest::qWait(300);
    QVERIFY(server.events(QStringLiteral("auth")).isEmpty());
    QCOMPARE(finished.size(), 1);
}

void TestEmailSender::timeout()
{
    // A server that takes the connection and never says a word.
    QTcpServer silent;
    QVERIFY(silent.listen(QHostAddress::LocalHost));
    EmailSender::Settings quick = settings(silent.serverPort(), EmailSender::Security::StartTls);
    quick.timeoutMs = 500;
    EmailSender sender(quick);
    QSignalSpy finished(&sender, &EmailSender::finished);
    QElapsedTimer clock;
    clock.start();
    sender.send(notification(QStringLiteral("subject"), QStringLiteral("text")));
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 5000);
    QVERIFY(clock.elapsed() >= 450);
    QVERIFY(!finished.at(0).at(0).toBool());
    QCOMPARE(finished.at(0).at(1).toString(), QStringLiteral("greeting: no answer within 0.5 s"));
    QTest::qWait(100);
    QCOMPARE(finished.size(), 1);
}

void TestEmailSender::settingsFromJson_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // a part of the sentence; empty: valid

    const QByteArray base = R"("from": "console@example.org", "to": ["ops@example.org"])";
    const auto with = [&](const QByteArray &fields) { return "{" + fields + ", " + base + "}"; };
    QTest::newRow("minimal") << with(R"("host": "smtp.example.org")") << QString();
    QTest::newRow("everything") << QByteArray(
        R"({"host": "mail.example.org", "port": 2525, "security": "tls",
            "username": "u", "password": "p", "from": "a.b+alerts@example.org",
            "to": ["x@example.org", "y@sub.example.org"], "verify_peer": false})")
                                << QString();
    QTest::newRow("IPv4 host") << with(R"("host": "192.0.2.10")") << QString();
    QTest::newRow("IPv6 host") << with(R"("host": "2001:db8::25")") << QString();
    QTest::newRow("relay without security")
        << with(R"("host": "localhost", "security": "none", "port": 25)") << QString();
    QTest::newRow("missing host") << with(R"("port": 25)") << "needs \"host\"";
    QTest::newRow("empty host") << with(R"("host": "  ")") << "needs \"host\"";
    QTest::newRow("host not a string") << with(R"("host": 7)") << "needs \"host\"";
    QTest::newRow("host with scheme")
        << with(R"("host": "smtp://smtp.example.org")") << "\"host\" is not a server name";
    QTest::newRow("host with port")
        << with(R"("host": "smtp.example.org:587")") << "\"host\" is not a server name";
    QTest::newRow("host with space")
        << with(R"("host": "smtp example.org")") << "\"host\" is not a server name";
    QTest::newRow("port 0") << with(R"("host": "h", "port": 0)") << "\"port\" is a whole number";
    QTest::newRow("port out of range")
        << with(R"("host": "h", "port": 70000)") << "from 1 to 65535";
    QTest::newRow("port negative") << with(R"("host": "h", "port": -25)") << "from 1 to 65535";
    QTest::newRow("port fraction") << with(R"("host": "h", "port": 587.5)") << "whole number";
    QTest::newRow("port as text") << with(R"("host": "h", "port": "587")") << "\"port\"";
    QTest::newRow("unknown security")
        << with(R"("host": "h", "security": "ssl")") << "\"security\" is \"starttls\"";
    QTest::newRow("username without password")
        << with(R"("host": "h", "username": "u")") << "needs its \"password\"";
    QTest::newRow("password without username")
        << with(R"("host": "h", "password": "p")") << "needs a \"username\"";
    QTest::newRow("username not a string")
        << with(R"("host": "h", "username": 5, "password": "p")") << "are strings";
    QTest::newRow("password over plain text")
        << with(R"("host": "h", "security": "none", "username": "u", "password": "p")")
        << "never sent unencrypted";
    QTest::newRow("missing from") << QByteArray(R"({"host": "h", "to": ["a@example.org"]})")
                                  << "needs \"from\"";
    QTest::newRow("bad from") << QByteArray(
        R"({"host": "h", "from": "console", "to": ["a@example.org"]})")
                              << "\"from\" is not an e-mail address: \"console\"";
    QTest::newRow("from with a name") << QByteArray(
        R"({"host": "h", "from": "Console <c@example.org>", "to": ["a@example.org"]})")
                                      << "\"from\" is not an e-mail address";
    QTest::newRow("no recipients")
        << QByteArray(R"({"host": "h", "from": "c@example.org", "to": []})") << "needs \"to\"";
    QTest::newRow("missing to") << QByteArray(R"({"host": "h", "from": "c@example.org"})")
                                << "needs \"to\"";
    QTest::newRow("to as a string")
        << QByteArray(R"({"host": "h", "from": "c@example.org", "to": "a@example.org"})")
        << "an array of one or more addresses";
    QTest::newRow("bad recipient") << QByteArray(
        R"({"host": "h", "from": "c@example.org", "to": ["a@example.org", "nobody"]})")
                                   << "not an e-mail address: \"nobody\"";
    QTest::newRow("recipient with two at signs")
        << QByteArray(R"({"host": "h", "from": "c@example.org", "to": ["a@b@example.org"]})")
        << "not an e-mail address: \"a@b@example.org\"";
    QTest::newRow("recipient with a dot at the end")
        << QByteArray(R"({"host": "h", "from": "c@example.org", "to": ["a.@example.org"]})")
        << "not an e-mail address";
    QTest::newRow("recipient not a string")
        << QByteArray(R"({"host": "h", "from": "c@example.org", "to": [42]})")
        << "not an e-mail address: \"42\"";
    QTest::newRow("verify_peer as text")
        << with(R"("host": "h", "verify_peer": "no")") << "\"verify_peer\" is true or false";
}

void TestEmailSender::settingsFromJson()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QJsonParseError parse;
    const QJsonObject object = QJsonDocument::fromJson(json, &parse).object();
    QVERIFY2(parse.error == QJsonParseError::NoError, qPrintable(parse.errorString()));

    QString message;
    const auto settings = EmailSender::settingsFromJson(object, &message);
    if (error.isEmpty()) {
        QVERIFY2(settings, qPrintable(message));
    } else {
        QVERIFY(!settings);
        QVERIFY2(message.contains(error), qPrintable(message));
        QVERIFY(!message.contains(QLatin1Char('\n')));
    }
}

void TestEmailSender::settingsDefaultsAndRoundTrip()
{
    const QByteArray addresses = R"("from": "c@example.org", "to": ["a@example.org"])";
    QString error;
    const auto starttls
        = EmailSender::settingsFromJson(object(R"({"host": "h", )" + addresses + "}"), &error);
    QVERIFY2(starttls, qPrintable(error));
    QCOMPARE(starttls->port, quint16(587));
    QCOMPARE(starttls->security, EmailSender::Security::StartTls);
    QVERIFY(starttls->verifyPeer);
    QVERIFY(starttls->username.isEmpty());
    const auto tls = EmailSender::settingsFromJson(
        object(R"({"host": "h", "security": "tls", )" + addresses + "}"), &error);
    QVERIFY2(tls, qPrintable(error));
    QCOMPARE(tls->port, quint16(465));
    const auto none = EmailSender::settingsFromJson(
        object(R"({"host": "h", "security": "none", )" + addresses + "}"), &error);
    QVERIFY2(none, qPrintable(error));
    QCOMPARE(none->port, quint16(25));

    EmailSender::Settings settings;
    settings.host = QStringLiteral("smtp.example.org");
    settings.port = 2525;
    settings.security = EmailSender::Security::Tls;
    settings.username = QStringLiteral("alerts");
    settings.password = QStringLiteral("pässword");
    settings.from = QStringLiteral("console@example.org");
    settings.to = QStringList {QStringLiteral("a@example.org"), QStringLiteral("b@example.org")};
    settings.verifyPeer = false;

    const QJsonObject full = EmailSender::settingsToJson(settings, true);
    const auto back = EmailSender::settingsFromJson(full, &error);
    QVERIFY2(back, qPrintable(error));
    QCOMPARE(back->host, settings.host);
    QCOMPARE(back->port, settings.port);
    QCOMPARE(back->security, settings.security);
    QCOMPARE(back->username, settings.username);
    QCOMPARE(back->password, settings.password);
    QCOMPARE(back->from, settings.from);
    QCOMPARE(back->to, settings.to);
    QCOMPARE(back->verifyPeer, settings.verifyPeer);
    QCOMPARE(full.value(QLatin1String("security")).toString(), QStringLiteral("tls"));
    QCOMPARE(full.value(QLatin1String("verify_peer")).toBool(true), false);

    const EmailSender sender(settings);
    const QJsonObject shown = sender.settingsToJson(false);
    QCOMPARE(shown.value(QLatin1String("password")).toString(), QStringLiteral("(set)"));
    QCOMPARE(shown.value(QLatin1String("username")).toString(), QStringLiteral("alerts"));
    QCOMPARE(sender.settingsToJson(true), full);
}

void TestEmailSender::bodyEncoding_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("eightBit");
    QTest::addColumn<QString>("encoding");

    QTest::newRow("ASCII") << "cpu 97 %\n" << false << "7bit";
    QTest::newRow("ASCII, 8BITMIME") << "cpu 97 %\n" << true << "7bit";
    QTest::newRow("UTF-8, 8BITMIME") << "Gerät\n" << true << "8bit";
    QTest::newRow("UTF-8") << "Gerät\n" << false << "quoted-printable";
    QTest::newRow("ASCII line over 998")
        << QString(1200, QLatin1Char('x')) << true << "quoted-printable";
}

void TestEmailSender::bodyEncoding()
{
    QFETCH(QString, text);
    QFETCH(bool, eightBit);
    QFETCH(QString, encoding);

    EmailSender::Settings settings;
    settings.from = QStringLiteral("c@example.org");
    settings.to = QStringList {QStringLiteral("a@example.org")};
    const QByteArray message
        = EmailSender::composeMessage(settings, notification(QStringLiteral("s"), text), eightBit,
            QDateTime(QDate(2025, 3, 1), QTime(12, 0), Qt::UTC), "id@example.org");
    QVERIFY(headers(message).contains(QStringLiteral("Content-Transfer-Encoding: ") + encoding));
    QVERIFY(headers(message).contains(QStringLiteral("Message-ID: <id@example.org>")));
    const bool highBytes
        = std::any_of(message.cbegin(), message.cend(), [](char c) { return uchar(c) >= 0x80; });
    QCOMPARE(highBytes, encoding == QLatin1String("8bit"));
    for (const QByteArray &line : message.split('\n'))
        QVERIFY(line.size() <= (encoding == QLatin1String("quoted-printable") ? 77 : 999));
}

void TestEmailSender::dateHeader_data()
{
    QTest::addColumn<int>("offsetSeconds");
    QTest::addColumn<QString>("header");

    QTest::newRow("UTC") << 0 << "Date: Sat, 01 Mar 2025 12:00:00 +0000";
    QTest::newRow("behind UTC") << -(3 * 3600 + 30 * 60) << "Date: Sat, 01 Mar 2025 12:00:00 -0330";
    QTest::newRow("ahead of UTC") << (5 * 3600 + 45 * 60)
                                  << "Date: Sat, 01 Mar 2025 12:00:00 +0545";
}

void TestEmailSender::dateHeader()
{
    QFETCH(int, offsetSeconds);
    QFETCH(QString, header);
    EmailSender::Settings settings;
    settings.from = QStringLiteral("c@example.org");
    settings.to = QStringList {QStringLiteral("a@example.org")};
    const QDateTime date(QDate(2025, 3, 1), QTime(12, 0), Qt::OffsetFromUTC, offsetSeconds);
    const QByteArray message = EmailSender::composeMessage(
        settings, notification(QStringLiteral("s"), QStringLiteral("x")), true, date, "id@x");
    QVERIFY2(headers(message).contains(header), message.constData());
}

void TestEmailSender::longSubjectIsEncodedAndFolded()
{
    QString subject;
    for (int i = 0; i < 12; ++i)
        subject += QStringLiteral("Gerät %1 offline – 🔥 ").arg(i);
    subject = subject.trimmed();
    EmailSender::Settings settings;
    settings.from = QStringLiteral("c@example.org");
    settings.to = QStringList {QStringLiteral("a@example.org")};
    const QByteArray message = EmailSender::composeMessage(settings,
        notification(subject, QStringLiteral("x")), true, QDateTime::currentDateTime(), "id@x");

    const QByteArray head = message.left(message.indexOf("\r\n\r\n"));
    const qsizetype start = head.indexOf("Subject: ");
    QVERIFY(start >= 0);
    QList<QByteArray> lines;
    for (const QByteArray &line : head.mid(start).split('\n')) {
        if (!lines.isEmpty() && !line.startsWith(' '))
            break;
        lines << line.chopped(line.endsWith('\r') ? 1 : 0);
    }
    QVERIFY(lines.size() > 2);
    QByteArray decoded;
    static const QRegularExpression word(QStringLiteral("^=\\?UTF-8\\?B\\?([A-Za-z0-9+/=]+)\\?=$"));
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QVERIFY2(lines.at(i).size() <= 76, lines.at(i).constData());
        const QString text = QString::fromLatin1(i == 0 ? lines.at(i).mid(9) : lines.at(i).mid(1));
        const QRegularExpressionMatch match = word.match(text);
        QVERIFY2(match.hasMatch(), qPrintable(text));
        // Each word decodes alone: no character is split between two.
        const QByteArray part = QByteArray::fromBase64(match.captured(1).toLatin1());
        QVERIFY(!QString::fromUtf8(part).contains(QChar::ReplacementCharacter));
        decoded += part;
    }
    QCOMPARE(QString::fromUtf8(decoded), subject);
}

void TestEmailSender::subjectCannotAddHeaders()
{
    EmailSender::Settings settings;
    settings.from = QStringLiteral("c@example.org");
    settings.to = QStringList {QStringLiteral("a@example.org")};
    const QByteArray message = EmailSender::composeMessage(settings,
        notification(QStringLiteral("offline\r\nBcc: victim@example.org"), QStringLiteral("x")),
        true, QDateTime::currentDateTime(), "id@x");
    for (const QString &header : headers(message))
        QVERIFY2(!header.startsWith(QLatin1String("Bcc")), qPrintable(header));
    QVERIFY(headers(message).contains(QStringLiteral("Subject: offline  Bcc: victim@example.org")));
}

void TestEmailSender::dotStuffed_data()
{
    QTest::addColumn<QByteArray>("message");
    QTest::addColumn<QByteArray>("sent");

    QTest::newRow("no dots") << QByteArray("a\r\nb\r\n") << QByteArray("a\r\nb\r\n.\r\n");
    QTest::newRow("a dot line") << QByteArray("a\r\n.\r\nb\r\n")
                                << QByteArray("a\r\n..\r\nb\r\n.\r\n");
    QTest::newRow("leading dots") << QByteArray(".a\r\n..b\r\nc.d\r\n")
                                  << QByteArray("..a\r\n...b\r\nc.d\r\n.\r\n");
    QTest::newRow("no final line break") << QByteArray("a") << QByteArray("a\r\n.\r\n");
    QTest::newRow("empty") << QByteArray() << QByteArray(".\r\n");
}

void TestEmailSender::dotStuffed()
{
    QFETCH(QByteArray, message);
    QFETCH(QByteArray, sent);
    QCOMPARE(EmailSender::dotStuffed(message), sent);
}

QTEST_GUILESS_MAIN(TestEmailSender)
#include "tst_emailsender.moc"
