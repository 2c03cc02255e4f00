// SPDX-License-Identifier: MIT
#pragma once

#include <QIcon>
#include <QObject>
#include <QStringList>
#include <QTimer>

class QSystemTrayIcon;

namespace dmr::console {

// The console's tray icon. Tells when a device goes offline or comes back;
// transitions that happen together (a switch failing takes many devices with
// it) become one notification instead of a flood.
class TrayNotifier : public QObject
{
    Q_OBJECT
public:
    explicit TrayNotifier(const QIcon &icon, QObject *parent = nullptr);

    bool isAvailable() const { return m_tray != nullptr; }
    // The last notification shown (or that would have been, without a tray).
    QString lastMessage() const { return m_lastMessage; }

public slots:
    void deviceOnlineChanged(const QString &uuid, const QString &name, bool online);
    // Alerting's desktop channel (Notifier::desktopNotification), already grouped.
    void showAlert(const QString &subject, const QString &text);
    // How many alerts fire: the icon gets a badge (red when one is
    // critical) and the tooltip says how many.
    void setFiring(int count, int critical);

signals:
    void activated();
    void notified(const QString &title, const QString &message);

private:
    void flush();

    QSystemTrayIcon *m_tray = nullptr;
    QStringList m_wentOffline;
    QStringList m_cameBack;
    QTimer m_collect;
    QString m_lastMessage;
    QIcon m_icon;
};

} // namespace dmr::console
