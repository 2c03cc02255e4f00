// SPDX-License-Identifier: MIT
#include "alerts/WebhookSender.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTimer>

namespace dmr::console {

namespace {

const QList<std::pair<QString, WebhookSender::Format>> &formats()
{
    static const QList<std::pair<QString, WebhookSender::Format>> list
        = {{QStringLiteral("generic"), WebhookSender::Format::Generic},
            {QStringLiteral("slack"), WebhookSender::Format::Slack},
            {QStringLiteral("mattermost"), WebhookSender::Format::Slack},
            {QStringLiteral("discord"), WebhookSender::Format::Discord},
            {QStringLiteral("ntfy"), WebhookSender::Format::Ntfy},
            {QStringLiteral("gotify"), WebhookSender::Format::Gotify}};
    return list;
}

bool critical(const Notification &notification)
{
    const QJsonArray alerts = notification.json.value(QLatin1String("alerts")).toArray();
    for (const QJsonValue &alert : alerts) {
        if (alert.toObject().value(QLatin1String("severity")).toString()
                == QLatin1String("critical")
            && alert.toObject().value(QLatin1String("state")).toString() == QLatin1String("firing"))
            return true;
    }
    return false;
}

QByteArray compact(const QJsonObject &object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

std::optional<WebhookSender::Settings> WebhookSender::settingsFromJson(
    const QJsonObject &json, QString *error)
{
    Settings settings;
    settings.url = QUrl(json.value(QLatin1String("url")).toString(), QUrl::StrictMode);
    if (!settings.url.isValid()
        || (settings.url.scheme() != QLatin1String("http")
            && settings.url.scheme() != QLatin1String("https"))
        || settings.url.host().isEmpty()) {
        *error = QStringLiteral("a webhook needs \"url\": an http:// or https:// address");
        return std::nullopt;
    }
    const QString format = json.value(QLatin1String("format")).toString(QStringLiteral("generic"));
    const auto it = std::find_if(formats().cbegin(), formats().cend(),
        [&](const auto &pair) { return pair.first == format; });
    if (it == formats().cend()) {
        *error
            = QStringLiteral("\"format\" is generic, slack, mattermost, discord, ntfy or gotify");
        return std::nullopt;
    }
    settings.format = it->second;
    settings.token = json.value(QLatin1String("token")).toString();
    if (settings.format == Format::Gotify && settings.token.isEmpty()) {
        *error = QStringLiteral("a Gotify webhook needs the application's \"token\"");
        return std::nullopt;
    }
    return settings;
}

QJsonObject WebhookSender::settingsToJson(const Settings &settings)
{
    QString format;
    for (const auto &[name, value] : formats()) {
        if (value == settings.format && format.isEmpty())
            format = name;
    }
    QJsonObject json {
        {QStringLiteral("url"), settings.url.toString()}, {QStringLiteral("format"), format}};
    if (!settings.token.isEmpty())
        json.insert(QStringLiteral("token"), QStringLiteral("(set)"));
    return json;
}

QByteArray WebhookSender::body(Format format, const Notification &notification, QByteArray *type)
{
    *type = "application/json";
    const QString message = notification.subject + QLatin1Char('\n') + notification.text;
    switch (format) {
    case Format::Generic:
        return compact(notification.json);
    case Format::Slack:
        return compact({{QStringLiteral("text"), message}});
    case Format::Discord:
        // Discord refuses content beyond 2,000 characters.
        return compact({{QStringLiteral("content"),
            message.size() > 2000 ? message.left(1990) + QStringLiteral("\n…") : message}});
    case Format::Ntfy:
        *type = "text/plain; charset=utf-8";
        return notification.text.toUtf8();
    case Format::Gotify:
        return compact({{QStringLiteral("title"), notification.subject},
            {QStringLiteral("message"), notification.text},
            {QStringLiteral("priority"), critical(notification) ? 8 : 5}});
    }
    return {};
}

WebhookSender::WebhookSender(Settings settings, QNetworkAccessManager *network, QObject *parent)
    : ChannelSender(parent)
    , m_settings(std::move(settings))
    , m_network(network)
{ }

void WebhookSender::send(const Notification &notification)
{
    QNetworkRequest request(m_settings.url);
    QByteArray type;
    const QByteArray payload = body(m_settings.format, notification, &type);
    request.setHeader(QNetworkRequest::ContentTypeHeader, type);
    request.setRawHeader("User-Agent", "metrics-console");
    request.setTransferTimeout(m_settings.timeoutMs);
    if (m_settings.format == Format::Ntfy) {
        request.setRawHeader("Title", notification.subject.toUtf8());
        request.setRawHeader("Priority", critical(notification) ? "5" : "3");
        if (!m_settings.token.isEmpty())
            request.setRawHeader("Authorization", "Bearer " + m_settings.token.toUtf8());
    } else if (m_settings.format == Format::Gotify) {
        request.setRawHeader("X-Gotify-Key", m_settings.token.toUtf8());
    }
    QNetworkReply *reply = m_network->post(request, payload);
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() == QNetworkReply::NoError && status >= 200 && status < 300) {
            emit finished(true, QStringLiteral("HTTP %1").arg(status));
            return;
        }
        QString detail = status > 0 ? QStringLiteral("HTTP %1").arg(status) : QString();
        const QString body = QString::fromUtf8(reply->read(200)).simplified();
        if (!body.isEmpty())
            detail += QStringLiteral(": ") + body;
        if (status <= 0)
            detail = reply->errorString();
        emit finished(false, detail);
    });
}

std::optional<CommandSender::Settings> CommandSender::settingsFromJson(
    const QJsonObject &json, QString *error)
{
    Settings settings;
    settings.program = json.value(QLatin1String("program")).toString();
    if (settings.program.isEmpty() || !QFileInfo(settings.program).isAbsolute()) {
        *error = QStringLiteral("a command needs \"program\": an absolute path");
        return std::nullopt;
    }
    const QJsonValue arguments = json.value(QLatin1String("arguments"));
    if (!arguments.isUndefined() && !arguments.isArray()) {
        *error = QStringLiteral("\"arguments\" is an array of strings");
        return std::nullopt;
    }
    for (const QJsonValue &argument : arguments.toArray()) {
        if (!argument.isString()) {
            *error = QStringLiteral("\"arguments\" is an array of strings");
            return std::nullopt;
        }
        settings.arguments << argument.toString();
    }
    return settings;
}

QJsonObject CommandSender::settingsToJson(const Settings &settings)
{
    return {{QStringLiteral("program"), settings.program},
        {QStringLiteral("arguments"), QJsonArray::fromStringList(settings.arguments)}};
}

CommandSender::CommandSender(Settings settings, QObject *parent)
    : ChannelSender(parent)
    , m_settings(std::move(settings))
{ }

void CommandSender::send(const Notification &notification)
{
    auto *process = new QProcess(this);
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("ALERT_SUBJECT"), notification.subject);
    environment.insert(QStringLiteral("ALERT_TEXT"), notification.text);
    environment.insert(QStringLiteral("ALERT_STATUS"),
        notification.json.value(QLatin1String("status")).toString());
    environment.insert(QStringLiteral("ALERT_COUNT"),
        QString::number(notification.json.value(QLatin1String("alerts")).toArray().size()));
    environment.insert(QStringLiteral("ALERT_JSON"), QString::fromUtf8(compact(notification.json)));
    process->setProcessEnvironment(environment);
    process->setProcessChannelMode(QProcess::SeparateChannels);
    process->setStandardInputFile(QProcess::nullDevice());
    auto *timer = new QTimer(process);
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, process, [process] { process->kill(); });
    auto done = std::make_shared<bool>(false);
    const auto finish = [this, process, done](bool ok, const QString &detail) {
        if (*done)
            return;
        *done = true;
        process->deleteLater();
        emit finished(ok, detail);
    };
    connect(process, &QProcess::errorOccurred, this, [process, finish](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            finish(false, QStringLiteral("cannot run: %1").arg(process->errorString()));
    });
    connect(process, &QProcess::finished, this,
        [this, process, finish, timer](int code, QProcess::ExitStatus status) {
            const QString err = QString::fromLocal8Bit(process->readAllStandardError())
                                    .section(QLatin1Char('\n'), 0, 0)
                                    .left(200);
            if (status != QProcess::NormalExit)
                finish(false,
                    timer->isActive()
                        ? QStringLiteral("crashed")
                        : QStringLiteral("killed after %1 s").arg(m_settings.timeoutMs / 1000));
            else
                finish(code == 0,
                    QStringLiteral("exit %1").arg(code)
                        + (err.isEmpty() ? QString() : QStringLiteral(": ") + err));
        });
    timer->start(m_settings.timeoutMs);
    process->start(m_settings.program, m_settings.arguments);
}

} // namespace dmr::console
