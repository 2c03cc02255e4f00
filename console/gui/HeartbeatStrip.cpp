// SPDX-License-Identifier: MIT
#include "gui/HeartbeatStrip.h"

#include "gui/HeartbeatMark.h"
#include "gui/HumanFormat.h"

#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QPainter>

namespace dmr::console {

namespace {

// Presence sends 60 marks; the strip is as wide as they need at 4 + 1 pixels.
constexpr int kMarks = 60;
constexpr int kMarkPitch = 5;
constexpr int kMarksHeight = 16;
constexpr int kGap = 10; // between the marks and the text

QString percentText(const QJsonValue &value)
{
    // null: the window reaches back before the device was known.
    return value.isDouble() ? QStringLiteral("%1 %").arg(value.toDouble(), 0, 'f', 2)
                            : QStringLiteral("–");
}

} // namespace

HeartbeatStrip::HeartbeatStrip(QWidget *parent)
    : QWidget(parent)
    , m_summary(new QLabel(this))
{
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addSpacing(kMarks * kMarkPitch + kGap);
    layout->addWidget(m_summary, 1);
    m_summary->setObjectName(QStringLiteral("presenceSummary"));
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    setToolTip(tr("One mark per expected report, oldest on the left: green arrived, amber "
                  "lost while the device was up, red missing while it was offline, grey "
                  "pending or before the device was known"));
    setUnavailable(tr("presence not known yet"));
}

void HeartbeatStrip::setPresence(const QJsonObject &presence)
{
    const QJsonArray heartbeat = presence.value(QLatin1String("heartbeat")).toArray();
    QByteArray marks;
    marks.reserve(heartbeat.size());
    for (const QJsonValue &mark : heartbeat)
        marks.append(char(heartbeatMark(mark.toString())));
    m_marks = marks;
    m_state = presence.value(QLatin1String("state")).toString();
    const QJsonObject uptime = presence.value(QLatin1String("uptime_percent")).toObject();
    const qint64 interval
        = qint64(presence.value(QLatin1String("heartbeat_interval_seconds")).toDouble());
    QString state = m_state;
    state.replace(QLatin1Char('_'), QLatin1Char(' '));
    m_summary->setText(
        tr("<b>%1</b> &nbsp; uptime %2 (24 h), %3 (7 d), %4 (30 d) &nbsp; a mark "
           "per report every %5")
            .arg(state.toHtmlEscaped(), percentText(uptime.value(QLatin1String("24h"))),
                percentText(uptime.value(QLatin1String("7d"))),
                percentText(uptime.value(QLatin1String("30d"))),
                HumanFormat::duration(quint64(std::max<qint64>(0, interval)))));
    update();
}

void HeartbeatStrip::setUnavailable(const QString &reason)
{
    m_marks.clear();
    m_state.clear();
    m_summary->setText(reason.toHtmlEscaped());
    update();
}

QString HeartbeatStrip::summary() const
{
    return m_summary->text();
}

QRect HeartbeatStrip::marksRect() const
{
    return QRect(0, (height() - kMarksHeight) / 2, kMarks * kMarkPitch, kMarksHeight);
}

QSize HeartbeatStrip::sizeHint() const
{
    const QSize label = m_summary->sizeHint();
    return {kMarks * kMarkPitch + kGap + label.width(), std::max(kMarksHeight, label.height())};
}

QSize HeartbeatStrip::minimumSizeHint() const
{
    return {kMarks * kMarkPitch, kMarksHeight};
}

void HeartbeatStrip::paintEvent(QPaintEvent *)
{
    QPainter painter(this);
    // Always 60 places, newest on the right, so that a shorter reply (or
    // none yet) does not stretch the marks.
    QByteArray marks = m_marks.right(kMarks);
    marks.prepend(QByteArray(kMarks - marks.size(), char(HeartbeatMark::None)));
    paintMarks(&painter, marksRect(), marks);
}

void HeartbeatStrip::paintMarks(QPainter *painter, const QRect &rect, const QByteArray &marks)
{
    if (marks.isEmpty() || rect.width() <= 0)
        return;
    // Whole pixels per mark, and a pixel between marks when there is room:
    // bars of uneven width read as a pattern that is not there.
    // Too narrow for all: the newest that fit.
    const int shown = std::min(int(marks.size()), rect.width());
    const int first = int(marks.size()) - shown;
    const int pitch = rect.width() / shown;
    const int gap = pitch >= 3 ? 1 : 0;
    const int left = rect.right() + 1 - pitch * shown;
    painter->save();
    painter->setPen(Qt::NoPen);
    for (int i = 0; i < shown; ++i) {
        const auto mark = HeartbeatMark(marks.at(first + i));
        // Pending and unknown marks are shorter: nothing is wrong there yet.
        const bool quiet = mark == HeartbeatMark::Pending || mark == HeartbeatMark::None;
        const int inset = quiet ? rect.height() / 4 : 0;
        painter->fillRect(
            QRect(left + i * pitch, rect.top() + inset, pitch - gap, rect.height() - 2 * inset),
            heartbeatColor(mark));
    }
    painter->restore();
}

} // namespace dmr::console
