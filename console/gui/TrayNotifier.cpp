// SPDX-License-Identifier: MIT
#include "gui/TrayNotifier.h"

#include <QSystemTrayIcon>

namespace dmr::console {

namespace {

constexpr int kCollectMs = 1500;
constexpr int kNamesShown = 3;

QString names(const QStringList &list)
{
    QStringList shown = list.mid(0, kNamesShown);
    QString text = shown.join(QStringLiteral(", "));
    if (list.size() > kNamesShown)
        text += QObject::tr(" and %1 more").arg(list.size() - kNamesShown);
    return text;
}

} // namespace

TrayNotifier::TrayNotifier(const QIcon &icon, QObject *parent)
    : QObject(parent)
{
    m_collect.setSingleShot(true);
    m_collect.setInterval(kCollectMs);
    connect(&m_collect, &QTimer::timeout, this, &TrayNotifier::flush);
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(icon, this);
    m_tray->setToolTip(tr("Device Metrics Console"));
    connect(m_tray, &QSystemTrayIcon::activated, this, &TrayNotifier::activated);
    m_tray->show();
}

void TrayNotifier::deviceOnlineChanged(const QString &uuid, const QString &name, bool online)
{
    Q_UNUSED(uuid)
    (online ? m_cameBack : m_wentOffline).append(name);
    if (!m_collect.isActive())
        m_collect.start();
}

void TrayNotifier::flush()
{
    QStringList lines;
    if (!m_wentOffline.isEmpty())
        lines.append(m_wentOffline.size() == 1 ? tr("%1 went offline").arg(m_wentOffline.first())
                                               : tr("%1 devices went offline: %2")
                                                     .arg(m_wentOffline.size())
                                                     .arg(names(m_wentOffline)));
    if (!m_cameBack.isEmpty())
        lines.append(m_cameBack.size() == 1 ? tr("%1 is back online").arg(m_cameBack.first())
                                            : tr("%1 devices are back online: %2")
                                                  .arg(m_cameBack.size())
                                                  .arg(names(m_cameBack)));
    m_wentOffline.clear();
    m_cameBack.clear();
    if (lines.isEmpty())
        return;
    const QString title = tr("Device Metrics Console");
    m_lastMessage = lines.join(QLatin1Char('\n'));
    if (m_tray)
        m_tray->showMessage(title, m_lastMessage,
            lines.first().contains(tr("offline")) ? QSystemTrayIcon::Warning
                                                  : QSystemTrayIcon::Information);
    emit notified(title, m_lastMessage);
}

} // namespace dmr::console
