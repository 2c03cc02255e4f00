// SPDX-License-Identifier: MIT
#pragma once

#include "alerts/Channel.h"

#include <QUrl>
#include <optional>

class QNetworkAccessManager;

namespace dmr::console {

// POSTs a notification to a URL, in the shape the receiver expects:
// generic JSON (Notification::json), Slack or Mattermost ({"text"}), Discord
// ({"content"}), ntfy (text with Title and Priority headers) or Gotify
// ({"title", "message", "priority"} with the app token).
class WebhookSender : public ChannelSender
{
    Q_OBJECT
public:
    enum class Format { Generic, Slack, Discord, Ntfy, Gotify };
    struct Settings
    {
        QUrl url;
        Format format = Format::Generic;
        QString token; // Gotify's X-Gotify-Key; ntfy's Bearer token
        int timeoutMs = 10000;
    };

    static std::optional<Settings> settingsFromJson(const QJsonObject &json, QString *error);
    static QJsonObject settingsToJson(const Settings &settings);
    // The request's body and content type for `notification` in `format`.
    static QByteArray body(Format format, const Notification &notification, QByteArray *type);

    WebhookSender(Settings settings, QNetworkAccessManager *network, QObject *parent = nullptr);
    void send(const Notification &notification) override;

private:
    Settings m_settings;
    QNetworkAccessManager *m_network;
};

// Runs a program (no shell: the program and its arguments as given) with the
// notification in its environment: ALERT_SUBJECT, ALERT_TEXT, ALERT_STATUS
// (firing or resolved), ALERT_COUNT and ALERT_JSON. Exit status 0 is success.
class CommandSender : public ChannelSender
{
    Q_OBJECT
public:
    struct Settings
    {
        QString program;
        QStringList arguments;
        int timeoutMs = 30000;
    };
    static std::optional<Settings> settingsFromJson(const QJsonObject &json, QString *error);
    static QJsonObject settingsToJson(const Settings &settings);

    explicit CommandSender(Settings settings, QObject *parent = nullptr);
    void send(const Notification &notification) override;

private:
    Settings m_settings;
};

} // namespace dmr::console
