// SPDX-License-Identifier: MIT
#include "alerts/EmailSender.h"

#include "alerts/AlertsLogging.h"

#include <QHostAddress>
#include <QHostInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QRegularExpression>
#include <QSslSocket>
#include <QUrl>
#include <QUuid>
#include <algorithm>
#include <cmath>
#include <utility>

namespace dmr::console {

namespace {

const QList<std::pair<QString, EmailSender::Security>> &securities()
{
    static const QList<std::pair<QString, EmailSender::Security>> list
        = {{QStringLiteral("starttls"), EmailSender::Security::StartTls},
            {QStringLiteral("tls"), EmailSender::Security::Tls},
            {QStringLiteral("none"), EmailSender::Security::None}};
    return list;
}

quint16 defaultPort(EmailSender::Security security)
{
    switch (security) {
    case EmailSender::Security::StartTls:
        return 587;
    case EmailSender::Security::Tls:
        return 465;
    case EmailSender::Security::None:
        return 25;
    }
    return 587;
}

bool isHost(const QString &host)
{
    if (!QHostAddress(host).isNull())
        return true;
    // Underscores are not in RFC 1123, but some internal relays have them.
    static const QRegularExpression name(
        QStringLiteral("^[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\\.[A-Za-z0-9_]([A-Za-z0-9_-]*["
                       "A-Za-z0-9_])?)*\\.?$"));
    const QByteArray ace = QUrl::toAce(host);
    return !ace.isEmpty() && ace.size() <= 253 && name.match(QString::fromLatin1(ace)).hasMatch();
}

// A reply as one line: "250 2.0.0 Ok: queued as X", the lines of a
// multi-line reply joined by spaces.
QString replyText(const QStringList &lines)
{
    QString text = lines.value(0);
    for (qsizetype i = 1; i < lines.size(); ++i)
        text += QLatin1Char(' ') + lines.at(i).mid(4);
    return text.simplified();
}

// One header line's text: as is when it is plain ASCII, else RFC 2047
// encoded-words, folded so that no line passes 76 characters.
QByteArray headerText(const QString &text)
{
    QString line = text;
    line.replace(QLatin1Char('\r'), QLatin1Char(' ')).replace(QLatin1Char('\n'), QLatin1Char(' '));
    const bool plain = line.size() < 900 && !line.contains(QLatin1String("=?"))
        && std::all_of(line.cbegin(), line.cend(),
            [](QChar c) { return c.unicode() >= 0x20 && c.unicode() < 0x7f; });
    if (plain)
        return line.toLatin1();

    // 39 bytes are 52 base64 characters: "Subject: =?UTF-8?B?...?=" is 73.
    constexpr qsizetype maxBytes = 39;
    QList<QByteArray> words;
    QByteArray chunk;
    for (qsizetype i = 0; i < line.size(); ++i) {
        qsizetype length = 1;
        if (line.at(i).isHighSurrogate() && i + 1 < line.size() && line.at(i + 1).isLowSurrogate())
            length = 2;
        const QByteArray character = line.mid(i, length).toUtf8();
        i += length - 1;
        if (chunk.size() + character.size() > maxBytes) {
            words << chunk;
            chunk.clear();
        }
        chunk += character;
    }
    if (!chunk.isEmpty() || words.isEmpty())
        words << chunk;
    QByteArray encoded;
    for (const QByteArray &word : std::as_const(words)) {
        if (!encoded.isEmpty())
            encoded += "\r\n ";
        encoded += "=?UTF-8?B?" + word.toBase64() + "?=";
    }
    return encoded;
}

// "To: a@x, b@y, ...", folded before 78 characters.
QByteArray addressList(const QStringList &addresses)
{
    QByteArray list;
    qsizetype column = 4; // "To: "
    for (const QString &address : addresses) {
        const QByteArray bytes = address.toUtf8();
        if (!list.isEmpty()) {
            list += ',';
            ++column;
            if (column + 1 + bytes.size() > 78) {
                list += "\r\n";
                column = 0;
            }
            list += ' ';
            ++column;
        }
        list += bytes;
        column += bytes.size();
    }
    return list;
}

// RFC 2045 quoted-printable of text lines (hard line breaks as CRLF).
QByteArray quotedPrintable(const QList<QByteArray> &lines)
{
    QByteArray out;
    for (const QByteArray &line : lines) {
        qsizetype column = 0;
        for (qsizetype i = 0; i < line.size(); ++i) {
            const auto c = static_cast<uchar>(line.at(i));
            const bool last = i == line.size() - 1;
            QByteArray token;
            if ((c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last))
                token = QByteArray(1, char(c));
            else
                token = '=' + QByteArray(1, char(c)).toHex().toUpper();
            // 75 characters and the soft break's "=" make the limit of 76.
            if (column + token.size() > 75) {
                out += "=\r\n";
                column = 0;
            }
            out += token;
            column += token.size();
        }
        out += "\r\n";
    }
    return out;
}

// RFC 5322 3.3, with the day of the week that Qt::RFC2822Date leaves out.
QByteArray dateText(const QDateTime &date)
{
    const int minutes = date.offsetFromUtc() / 60;
    const QString zone = QStringLiteral("%1%2%3")
                             .arg(minutes < 0 ? QLatin1Char('-') : QLatin1Char('+'))
                             .arg(qAbs(minutes) / 60, 2, 10, QLatin1Char('0'))
                             .arg(qAbs(minutes) % 60, 2, 10, QLatin1Char('0'));
    return (QLocale::c().toString(date, QStringLiteral("ddd, dd MMM yyyy hh:mm:ss ")) + zone)
        .toLatin1();
}

QByteArray base64(const QString &text)
{
    return text.toUtf8().toBase64();
}

} // namespace

bool EmailSender::isAddress(const QString &address)
{
    static const QRegularExpression form(
        QStringLiteral("^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"
                       "(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$"));
    if (address.size() > 254 || !form.match(address).hasMatch())
        return false;
    const QString local = address.section(QLatin1Char('@'), 0, 0);
    return local.size() <= 64 && !local.startsWith(QLatin1Char('.'))
        && !local.endsWith(QLatin1Char('.')) && !local.contains(QLatin1String(".."));
}

std::optional<EmailSender::Settings> EmailSender::settingsFromJson(
    const QJsonObject &json, QString *error)
{
    const auto failed = [error](const QString &sentence) {
        *error = sentence;
        return std::nullopt;
    };
    Settings settings;
    const QJsonValue host = json.value(QLatin1String("host"));
    settings.host = host.toString().trimmed();
    if (!host.isString() || settings.host.isEmpty())
        return failed(
            QStringLiteral("an e-mail channel needs \"host\": the SMTP server's name or address"));
    if (!isHost(settings.host))
        return failed(QStringLiteral("\"host\" is not a server name or address: \"%1\" (leave out "
                                     "the scheme and the port)")
                          .arg(settings.host));

    const QJsonValue security = json.value(QLatin1String("security"));
    if (!security.isUndefined()) {
        const auto it = std::find_if(securities().cbegin(), securities().cend(),
            [&](const auto &pair) { return pair.first == security.toString(); });
        if (it == securities().cend())
            return failed(QStringLiteral("\"security\" is \"starttls\", \"tls\" or \"none\""));
        settings.security = it->second;
    }

    const QJsonValue port = json.value(QLatin1String("port"));
    settings.port = defaultPort(settings.security);
    if (!port.isUndefined()) {
        const double number = port.toDouble(-1);
        if (!port.isDouble() || number != std::floor(number) || number < 1 || number > 65535)
            return failed(QStringLiteral("\"port\" is a whole number from 1 to 65535"));
        settings.port = quint16(number);
    }

    const QJsonValue username = json.value(QLatin1String("username"));
    const QJsonValue password = json.value(QLatin1String("password"));
    if ((!username.isUndefined() && !username.isString())
        || (!password.isUndefined() && !password.isString()))
        return failed(QStringLiteral("\"username\" and \"password\" are strings"));
    settings.username = username.toString();
    settings.password = password.toString();
    if (!settings.username.isEmpty() && settings.password.isEmpty())
        return failed(QStringLiteral("a \"username\" needs its \"password\""));
    if (settings.username.isEmpty() && !settings.password.isEmpty())
        return failed(QStringLiteral("a \"password\" needs a \"username\""));
    if (!settings.username.isEmpty() && settings.security == Security::None)
        return failed(QStringLiteral("a \"username\" needs security \"starttls\" or \"tls\": the "
                                     "password is never sent unencrypted"));

    const QJsonValue from = json.value(QLatin1String("from"));
    settings.from = from.toString().trimmed();
    if (!from.isString() || settings.from.isEmpty())
        return failed(QStringLiteral("an e-mail channel needs \"from\": the sender's address"));
    if (!isAddress(settings.from))
        return failed(
            QStringLiteral("\"from\" is not an e-mail address: \"%1\"").arg(settings.from));

    const QJsonValue to = json.value(QLatin1String("to"));
    if (!to.isArray() || to.toArray().isEmpty())
        return failed(
            QStringLiteral("an e-mail channel needs \"to\": an array of one or more addresses"));
    for (const QJsonValue &value : to.toArray()) {
        const QString address = value.toString().trimmed();
        if (!value.isString() || !isAddress(address)) {
            const QString shown = value.isString()
                ? address
                : QString::fromUtf8(
                    QJsonDocument(QJsonArray {value}).toJson(QJsonDocument::Compact))
                      .mid(1)
                      .chopped(1);
            return failed(
                QStringLiteral("\"to\" has something that is not an e-mail address: \"%1\"")
                    .arg(shown));
        }
        settings.to << address;
    }

    const QJsonValue verify = json.value(QLatin1String("verify_peer"));
    if (!verify.isUndefined() && !verify.isBool())
        return failed(QStringLiteral("\"verify_peer\" is true or false"));
    settings.verifyPeer = verify.toBool(true);
    return settings;
}

QJsonObject EmailSender::settingsToJson(const Settings &settings, bool withPassword)
{
    QString security;
    for (const auto &[name, value] : securities()) {
        if (value == settings.security)
            security = name;
    }
    QJsonObject json {{QStringLiteral("host"), settings.host},
        {QStringLiteral("port"), int(settings.port)}, {QStringLiteral("security"), security},
        {QStringLiteral("from"), settings.from},
        {QStringLiteral("to"), QJsonArray::fromStringList(settings.to)},
        {QStringLiteral("verify_peer"), settings.verifyPeer}};
    if (!settings.username.isEmpty())
        json.insert(QStringLiteral("username"), settings.username);
    if (!settings.password.isEmpty())
        json.insert(
            QStringLiteral("password"), withPassword ? settings.password : QStringLiteral("(set)"));
    return json;
}

QByteArray EmailSender::composeMessage(const Settings &settings, const Notification &notification,
    bool eightBit, const QDateTime &date, const QByteArray &messageId)
{
    QString text = notification.text;
    text.replace(QLatin1String("\r\n"), QLatin1String("\n"))
        .replace(QLatin1Char('\r'), QLatin1Char('\n'));
    QList<QByteArray> lines;
    for (const QString &line : text.split(QLatin1Char('\n')))
        lines << line.toUtf8();
    if (!lines.isEmpty() && lines.constLast().isEmpty())
        lines.removeLast(); // the text's final line break

    // RFC 5322 caps a line at 998 octets; NUL has no place in a text body.
    const bool fits = std::all_of(lines.cbegin(), lines.cend(),
        [](const QByteArray &line) { return line.size() <= 998 && !line.contains('\0'); });
    const bool ascii = std::all_of(lines.cbegin(), lines.cend(), [](const QByteArray &line) {
        return std::all_of(line.cbegin(), line.cend(), [](char c) { return uchar(c) < 0x80; });
    });
    QByteArray encoding;
    QByteArray body;
    if (fits && (ascii || eightBit)) {
        encoding = ascii ? "7bit" : "8bit";
        for (const QByteArray &line : std::as_const(lines))
            body += line + "\r\n";
    } else {
        encoding = "quoted-printable";
        body = quotedPrintable(lines);
    }

    QByteArray message;
    message += "Date: " + dateText(date) + "\r\n";
    message += "From: " + settings.from.toUtf8() + "\r\n";
    message += "To: " + addressList(settings.to) + "\r\n";
    message += "Subject: " + headerText(notification.subject) + "\r\n";
    message += "Message-ID: <" + messageId + ">\r\n";
    // RFC 3834: out-of-office and list robots do not answer machine mail.
    message += "Auto-Submitted: auto-generated\r\n";
    message += "MIME-Version: 1.0\r\n";
    message += "Content-Type: text/plain; charset=utf-8\r\n";
    message += "Content-Transfer-Encoding: " + encoding + "\r\n";
    message += "\r\n";
    message += body;
    return message;
}

QByteArray EmailSender::dotStuffed(const QByteArray &message)
{
    QByteArray out;
    out.reserve(message.size() + message.size() / 64 + 5);
    bool lineStart = true;
    for (const char c : message) {
        if (lineStart && c == '.')
            out += '.';
        out += c;
        lineStart = c == '\n';
    }
    if (!out.isEmpty() && !out.endsWith("\r\n"))
        out += "\r\n";
    out += ".\r\n";
    return out;
}

EmailSender::EmailSender(Settings settings, QObject *parent)
    : ChannelSender(parent)
    , m_settings(std::move(settings))
    , m_deadline(this) // a child, so that moveToThread() takes it along
{
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &EmailSender::onTimeout);
}

EmailSender::~EmailSender()
{
    // The socket goes with its parent; its last signals must not reach a
    // half-destroyed sender.
    if (m_socket)
        m_socket->disconnect(this);
}

void EmailSender::send(const Notification &notification)
{
    if (m_socket) {
        qCWarning(lcAlerts) << "e-mail: send() while a delivery is under way";
        QMetaObject::invokeMethod(
            this,
            [this] { emit finished(false, QStringLiteral("a delivery is already under way")); },
            Qt::QueuedConnection);
        return;
    }
    m_notification = notification;
    m_reply.clear();
    m_extensions.clear();
    m_sslErrors.clear();
    m_recipient = 0;
    m_message.clear();

    auto *socket = new QSslSocket(this);
    m_socket = socket;
    socket->setPeerVerifyMode(
        m_settings.verifyPeer ? QSslSocket::VerifyPeer : QSslSocket::VerifyNone);
    connect(socket, &QSslSocket::connected, this, &EmailSender::onConnected);
    connect(socket, &QSslSocket::encrypted, this, &EmailSender::onEncrypted);
    connect(socket, &QSslSocket::readyRead, this, &EmailSender::onReadyRead);
    connect(socket, &QSslSocket::errorOccurred, this, &EmailSender::onSocketError);
    connect(socket, &QSslSocket::disconnected, this, &EmailSender::onDisconnected);
    connect(socket, &QSslSocket::sslErrors, this, [this](const QList<QSslError> &errors) {
        m_sslErrors = errors;
        if (!m_settings.verifyPeer && m_socket)
            m_socket->ignoreSslErrors();
    });
    m_step = Step::Connect;
    m_deadline.start(m_settings.timeoutMs);
    if (m_settings.security != Security::None && !QSslSocket::supportsSsl()) {
        QTimer::singleShot(0, socket, [this] {
            fail(QStringLiteral("TLS is not available here (%1); security \"none\" sends in "
                                "plain text")
                     .arg(QSslSocket::activeBackend().isEmpty() ? QStringLiteral("no TLS backend")
                                                                : QSslSocket::activeBackend()),
                false);
        });
        return;
    }
    qCDebug(lcAlerts).noquote() << "e-mail: connecting to" << m_settings.host << m_settings.port;
    if (m_settings.security == Security::Tls)
        socket->connectToHostEncrypted(m_settings.host, m_settings.port);
    else
        socket->connectToHost(m_settings.host, m_settings.port);
}

QString EmailSender::stepName() const
{
    switch (m_step) {
    case Step::Idle:
    case Step::Connect:
        return QStringLiteral("connect to %1:%2").arg(m_settings.host).arg(m_settings.port);
    case Step::Greeting:
        return QStringLiteral("greeting");
    case Step::Ehlo:
        return QStringLiteral("EHLO");
    case Step::StartTls:
        return QStringLiteral("STARTTLS");
    case Step::TlsHandshake:
        return m_settings.security == Security::Tls ? QStringLiteral("TLS handshake")
                                                    : QStringLiteral("STARTTLS handshake");
    case Step::AuthPlain:
        return QStringLiteral("AUTH PLAIN");
    case Step::AuthLogin:
    case Step::AuthLoginUser:
    case Step::AuthLoginPassword:
        return QStringLiteral("AUTH LOGIN");
    case Step::MailFrom:
        return QStringLiteral("MAIL FROM");
    case Step::RcptTo:
        return QStringLiteral("RCPT TO <%1>").arg(m_settings.to.value(m_recipient));
    case Step::Data:
        return QStringLiteral("DATA");
    case Step::Message:
        return QStringLiteral("end of DATA");
    }
    return QString();
}

void EmailSender::onConnected()
{
    m_step = m_settings.security == Security::Tls ? Step::TlsHandshake : Step::Greeting;
}

void EmailSender::onEncrypted()
{
    if (!m_socket || m_step != Step::TlsHandshake)
        return;
    if (m_settings.security == Security::Tls) {
        m_step = Step::Greeting;
        return;
    }
    // RFC 3207: forget all the server said before TLS and ask again.
    m_extensions.clear();
    command(Step::Ehlo, "EHLO " + ehloName());
}

void EmailSender::onReadyRead()
{
    const QPointer<EmailSender> self(this); // a slot on finished() may delete the sender
    while (self && m_socket && m_socket->canReadLine()) {
        QByteArray raw = m_socket->readLine();
        while (raw.endsWith('\n') || raw.endsWith('\r'))
            raw.chop(1);
        const QString line = QString::fromUtf8(raw);
        qCDebug(lcAlerts).noquote() << "e-mail: <" << line;
        const bool digits = line.size() >= 3
            && std::all_of(line.cbegin(), line.cbegin() + 3, [](QChar c) { return c.isDigit(); });
        if (!digits
            || (line.size() > 3 && line.at(3) != QLatin1Char(' ')
                && line.at(3) != QLatin1Char('-'))) {
            fail(QStringLiteral("%1: not an SMTP reply: \"%2\"").arg(stepName(), line.left(100)),
                false);
            return;
        }
        m_reply << line;
        if (line.size() > 3 && line.at(3) == QLatin1Char('-')) {
            if (m_reply.size() > 1000) {
                fail(QStringLiteral("%1: a reply of over 1000 lines").arg(stepName()), false);
                return;
            }
            continue;
        }
        onReply(line.left(3).toInt(), std::exchange(m_reply, {}));
    }
    if (self && m_socket && m_socket->bytesAvailable() > 64 * 1024)
        fail(QStringLiteral("%1: a reply line of over 64 KiB").arg(stepName()), false);
}

void EmailSender::onReply(int code, const QStringList &lines)
{
    const QString text = replyText(lines);
    const auto refused = [&] { fail(stepName() + QStringLiteral(": ") + text, true); };
    switch (m_step) {
    case Step::Greeting:
        if (code != 220)
            return refused();
        command(Step::Ehlo, "EHLO " + ehloName());
        return;
    case Step::Ehlo:
        if (code != 250)
            return refused();
        m_extensions.clear();
        for (qsizetype i = 1; i < lines.size(); ++i)
            m_extensions << lines.at(i).mid(4).trimmed();
        afterEhlo();
        return;
    case Step::StartTls:
        if (code != 220)
            return refused();
        // What came with the 220 came in plain text: someone on the path may
        // have put it there to be read as if it were encrypted.
        if (m_socket->bytesAvailable() > 0)
            return fail(QStringLiteral("STARTTLS: the server sent more after its 220 reply; not "
                                       "starting TLS on a tampered connection"),
                false);
        m_step = Step::TlsHandshake;
        m_socket->startClientEncryption();
        return;
    case Step::AuthPlain:
    case Step::AuthLoginPassword:
        if (code != 235)
            return refused();
        startMail();
        return;
    case Step::AuthLogin:
        if (code != 334)
            return refused();
        command(Step::AuthLoginUser, base64(m_settings.username), "(username)");
        return;
    case Step::AuthLoginUser:
        if (code != 334)
            return refused();
        command(Step::AuthLoginPassword, base64(m_settings.password), "(password)");
        return;
    case Step::MailFrom:
        if (code != 250)
            return refused();
        m_recipient = -1;
        nextRecipient();
        return;
    case Step::RcptTo:
        if (code != 250 && code != 251)
            return refused();
        nextRecipient();
        return;
    case Step::Data:
        if (code != 354)
            return refused();
        m_step = Step::Message;
        m_socket->write(dotStuffed(m_message));
        m_message.clear();
        return;
    case Step::Message:
        if (code != 250)
            return refused();
        finish(true, text, true);
        return;
    case Step::Idle:
    case Step::Connect:
    case Step::TlsHandshake:
        break;
    }
    fail(QStringLiteral("%1: a reply nothing asked for: %2").arg(stepName(), text), false);
}

void EmailSender::command(Step step, const QByteArray &line, const QByteArray &logged)
{
    m_step = step;
    qCDebug(lcAlerts).noquote() << "e-mail: >" << (logged.isEmpty() ? line : logged);
    m_socket->write(line + "\r\n");
}

void EmailSender::afterEhlo()
{
    if (m_settings.security == Security::StartTls && !m_socket->isEncrypted()) {
        if (!offers(QStringLiteral("STARTTLS")))
            return fail(QStringLiteral("STARTTLS: the server does not offer it, and security "
                                       "\"starttls\" needs it"),
                true);
        command(Step::StartTls, "STARTTLS");
        return;
    }
    startAuth();
}

void EmailSender::startAuth()
{
    if (m_settings.username.isEmpty())
        return startMail();
    if (!m_socket->isEncrypted())
        return fail(QStringLiteral("AUTH: not sending the password over an unencrypted "
                                   "connection (security \"none\"); use \"starttls\" or \"tls\""),
            true);
    QStringList mechanisms;
    bool auth = false;
    for (const QString &extension : std::as_const(m_extensions)) {
        // "AUTH=" is how servers from before RFC 2554 wrote it.
        if (extension.startsWith(QLatin1String("AUTH "), Qt::CaseInsensitive)
            || extension.startsWith(QLatin1String("AUTH="), Qt::CaseInsensitive)) {
            auth = true;
            mechanisms << extension.mid(5).toUpper().split(QLatin1Char(' '), Qt::SkipEmptyParts);
        }
    }
    if (mechanisms.contains(QLatin1String("PLAIN"))) {
        const QByteArray credentials
            = '\0' + m_settings.username.toUtf8() + '\0' + m_settings.password.toUtf8();
        command(
            Step::AuthPlain, "AUTH PLAIN " + credentials.toBase64(), "AUTH PLAIN (credentials)");
    } else if (mechanisms.contains(QLatin1String("LOGIN"))) {
        command(Step::AuthLogin, "AUTH LOGIN");
    } else if (!auth) {
        fail(
            QStringLiteral("AUTH: the server does not offer authentication, and a username is set"),
            true);
    } else {
        fail(QStringLiteral("AUTH: the server offers neither PLAIN nor LOGIN, only %1")
                 .arg(mechanisms.join(QLatin1Char(' '))),
            true);
    }
}

void EmailSender::startMail()
{
    const QByteArray id = QUuid::createUuid().toByteArray(QUuid::WithoutBraces) + '@'
        + m_settings.from.section(QLatin1Char('@'), 1).toUtf8();
    m_message = composeMessage(m_settings, m_notification, offers(QStringLiteral("8BITMIME")),
        QDateTime::currentDateTime(), id);
    QByteArray line = "MAIL FROM:<" + m_settings.from.toUtf8() + '>';
    if (std::any_of(m_message.cbegin(), m_message.cend(), [](char c) { return uchar(c) >= 0x80; }))
        line += " BODY=8BITMIME";
    command(Step::MailFrom, line);
}

void EmailSender::nextRecipient()
{
    ++m_recipient;
    if (m_recipient < m_settings.to.size())
        command(Step::RcptTo, "RCPT TO:<" + m_settings.to.at(m_recipient).toUtf8() + '>');
    else
        command(Step::Data, "DATA");
}

QByteArray EmailSender::ehloName() const
{
    static const QRegularExpression name(
        QStringLiteral("^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$"));
    const QString local = QHostInfo::localHostName();
    if (name.match(local).hasMatch())
        return local.toLatin1();
    // RFC 5321 4.1.3: with no usable name, the address in brackets.
    const QHostAddress address = m_socket->localAddress();
    if (address.protocol() == QAbstractSocket::IPv6Protocol)
        return "[IPv6:" + address.toString().toLatin1() + ']';
    return '[' + address.toString().toLatin1() + ']';
}

bool EmailSender::offers(const QString &extension) const
{
    return std::any_of(m_extensions.cbegin(), m_extensions.cend(), [&](const QString &line) {
        return line.section(QLatin1Char(' '), 0, 0).compare(extension, Qt::CaseInsensitive) == 0;
    });
}

void EmailSender::onSocketError(QAbstractSocket::SocketError error)
{
    if (!m_socket)
        return;
    QString detail = m_socket->errorString();
    if (error == QAbstractSocket::RemoteHostClosedError)
        detail = QStringLiteral("the server closed the connection");
    if (!m_sslErrors.isEmpty() && !m_settings.verifyPeer)
        m_sslErrors.clear();
    if (!m_sslErrors.isEmpty()) {
        QStringList errors;
        for (const QSslError &sslError : std::as_const(m_sslErrors))
            errors << sslError.errorString();
        errors.removeDuplicates();
        detail = QStringLiteral("the server's certificate is not trusted: %1")
                     .arg(errors.join(QStringLiteral("; ")));
    }
    fail(stepName() + QStringLiteral(": ") + detail, false);
}

void EmailSender::onDisconnected()
{
    if (m_socket)
        fail(stepName() + QStringLiteral(": the server closed the connection"), false);
}

void EmailSender::onTimeout()
{
    if (m_socket)
        fail(QStringLiteral("%1: no answer within %2 s")
                 .arg(stepName(), QString::number(m_settings.timeoutMs / 1000.0)),
            false);
}

void EmailSender::fail(const QString &detail, bool quit)
{
    finish(false, detail, quit);
}

void EmailSender::finish(bool ok, const QString &detail, bool quit)
{
    if (!m_socket)
        return;
    QSslSocket *socket = m_socket;
    m_socket = nullptr;
    m_deadline.stop();
    m_step = Step::Idle;
    m_message.clear();
    m_reply.clear();
    socket->disconnect(this);
    if (quit && socket->state() == QAbstractSocket::ConnectedState) {
        // RFC 5321 4.1.1.10: QUIT, and close when the server has answered it
        // (a TLS close at once can make the server drop the QUIT unread). No
        // one waits for this: the socket goes by itself, in 5 s at most.
        socket->write("QUIT\r\n");
        connect(socket, &QIODevice::readyRead, socket, [socket] {
            if (socket->readAll().contains('\n'))
                socket->disconnectFromHost();
        });
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        QTimer::singleShot(5000, socket, [socket] {
            socket->abort();
            socket->deleteLater();
        });
    } else {
        socket->abort();
        socket->deleteLater();
    }
    if (ok)
        qCDebug(lcAlerts).noquote() << "e-mail: sent:" << detail;
    else
        qCDebug(lcAlerts).noquote() << "e-mail: failed:" << detail;
    emit finished(ok, detail);
}

} // namespace dmr::console
