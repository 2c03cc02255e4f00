// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QWidget>

class QLabel;

namespace dmr::console {

// A device's presence at a glance: one mark per expected report (arrived
// green, lost amber, missing red, pending or unknown grey), oldest on the
// left, then its state and its uptime over 24 hours, 7 and 30 days. Shows a
// presence reply (GET /api/devices/{uuid}/presence/) as alerting computes it
// from the store, so the strip reaches back before the window was opened;
// the device table's compact column paints with the same paintMarks().
class HeartbeatStrip : public QWidget
{
    Q_OBJECT
public:
    explicit HeartbeatStrip(QWidget *parent = nullptr);

    // A presence reply's JSON object.
    void setPresence(const QJsonObject &presence);
    // Why there is nothing to show (alerting not running, an error).
    void setUnavailable(const QString &reason);

    // HeartbeatMark characters, oldest first.
    QByteArray marks() const { return m_marks; }
    // Presence's name for it: live, late, offline, maintenance, never_seen.
    QString state() const { return m_state; }
    // What the label beside the marks says.
    QString summary() const;

    // One bar per mark, spread over `rect`: for this strip and the table's delegate.
    static void paintMarks(QPainter *painter, const QRect &rect, const QByteArray &marks);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    QRect marksRect() const;

    QByteArray m_marks;
    QString m_state;
    QLabel *m_summary;
};

} // namespace dmr::console
