// SPDX-License-Identifier: MIT
#include "gui/TrayNotifier.h"

#include <QPainter>
#include <QPixmap>
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
    , m_icon(icon)
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

void TrayNotifier::showAlert(const QString &subject, const QString &text)
{
    m_lastMessage = subject + QLatin1Char('\n') + text;
    if (m_tray)
        m_tray->showMessage(subject, text,
            subject.startsWith(QLatin1String("[critical]"))       ? QSystemTrayIcon::Critical
                : subject.startsWith(QLatin1String("[resolved]")) ? QSystemTrayIcon::Information
                                                                  : QSystemTrayIcon::Warning);
    emit notified(subject, text);
}

void TrayNotifier::setFiring(int count, int critical)
{
    if (!m_tray)
        return;
    m_tray->setToolTip(count == 0 ? tr("Device Metrics Console")
                                  : tr("Device Metrics Console: %n alert(s) firing", nullptr, count)
                + (critical > 0 ? tr(", %n critical", nullptr, critical) : QString()));
    if (count == 0) {
        m_tray->setIcon(m_icon);
        return;
    }
    QPixmap pixmap = m_icon.pixmap(64, 64);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(Qt::NoPen);
    painter.setBrush(critical > 0 ? QColor(231, 76, 60) : QColor(243, 156, 18));
    painter.drawEllipse(QRectF(34, 34, 28, 28));
    painter.end();
    m_tray->setIcon(QIcon(pixmap));
}

} // namespace dmr::console
