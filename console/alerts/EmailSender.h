// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/Channel.h"

#include <QAbstractSocket>
#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QPointer>
#include <QSslError>
#include <QStringList>
#include <QTimer>
#include <optional>

class QSslSocket;

namespace dmr::console {

// Mails a notification over SMTP (RFC 5321) to a relay or submission server:
// STARTTLS on 587 or TLS from the first byte on 465, AUTH PLAIN or LOGIN, a
// plain-text UTF-8 message. A client written on QSslSocket's signals, so
// send() never blocks; the whole exchange has one deadline. The password is
// never sent over an unencrypted connection.
class EmailSender : public ChannelSender
{
    Q_OBJECT
public:
    struct Settings
    {
        enum class Security { StartTls, Tls, None };

        QString host;
        quint16 port = 587;
        Security security = Security::StartTls;
        QString username; // empty: no AUTH
        QString password;
        QString from;
        QStringList to;
        int timeoutMs = 30000;
        bool verifyPeer = true; // false: accept any certificate (self-signed test servers)
    };
    using Security = Settings::Security;

    // From a channel's JSON (host, port, security "starttls"|"tls"|"none",
    // username, password, from, to [...], verify_peer); on error nullopt and
    // a sentence. Without "port": 587, 465 or 25 after the security.
    static std::optional<Settings> settingsFromJson(const QJsonObject &json, QString *error);
    // The same keys; without the password, "password" is "(set)" when there is one.
    static QJsonObject settingsToJson(const Settings &settings, bool withPassword);
    QJsonObject settingsToJson(bool withPassword) const
    {
        return settingsToJson(m_settings, withPassword);
    }
    // Whether `address` is one settingsFromJson accepts: ASCII local@domain.
    static bool isAddress(const QString &address);

    // The message as it follows DATA, before dot-stuffing: headers, a blank
    // line, the body; CRLF line ends. The body goes 7bit when it is ASCII,
    // else 8bit when the server takes it (`eightBit`, its 8BITMIME), else
    // quoted-printable; a non-ASCII subject as RFC 2047 encoded-words.
    static QByteArray composeMessage(const Settings &settings, const Notification &notification,
        bool eightBit, const QDateTime &date, const QByteArray &messageId);
    // A "." at the start of a line doubled, and the closing "." line added.
    static QByteArray dotStuffed(const QByteArray &message);

    explicit EmailSender(Settings settings, QObject *parent = nullptr);
    ~EmailSender() override;
    void send(const Notification &notification) override;

private:
    enum class Step {
        Idle,
        Connect,
        Greeting,
        Ehlo,
        StartTls,
        TlsHandshake,
        AuthPlain,
        AuthLogin,
        AuthLoginUser,
        AuthLoginPassword,
        MailFrom,
        RcptTo,
        Data,
        Message,
    };

    QString stepName() const; // the step in a failure's detail
    void onConnected();
    void onEncrypted();
    void onReadyRead();
    void onSocketError(QAbstractSocket::SocketError error);
    void onDisconnected();
    void onTimeout();
    void onReply(int code, const QStringList &lines);
    void command(Step step, const QByteArray &line, const QByteArray &logged = QByteArray());
    void afterEhlo();
    void startAuth();
    void startMail();
    void nextRecipient();
    QByteArray ehloName() const;
    bool offers(const QString &extension) const;
    void fail(const QString &detail, bool quit);
    void finish(bool ok, const QString &detail, bool quit);

    Settings m_settings;
    Notification m_notification;
    QPointer<QSslSocket> m_socket; // the delivery under way; null when idle
    QTimer m_deadline;
    Step m_step = Step::Idle;
    QStringList m_reply; // the lines of a multi-line reply so far
    QStringList m_extensions; // from the last EHLO: "STARTTLS", "AUTH PLAIN LOGIN", ...
    QList<QSslError> m_sslErrors;
    int m_recipient = 0;
    QByteArray m_message;
};

} // namespace dmr::console
