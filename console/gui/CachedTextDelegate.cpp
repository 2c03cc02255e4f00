// SPDX-License-Identifier: MIT
#include "gui/CachedTextDelegate.h"

#include <QApplication>
#include <QPainter>
#include <algorithm>

namespace dmr::console {

namespace {

// Enough for every visible cell of many sorts; cleared, not evicted, when full.
constexpr int kMaxCachedTexts = 20000;
// The view's font, a bold one for headings, and room for a change of font.
constexpr std::size_t kMaxFonts = 3;

} // namespace

int CachedTextDelegate::cachedTexts() const
{
    int texts = 0;
    for (const Cache &cache : m_caches)
        texts += int(cache.texts.size());
    return texts;
}

const QStaticText &CachedTextDelegate::staticText(const QString &text, const QFont &font) const
{
    auto cache = std::find_if(m_caches.begin(), m_caches.end(),
        [&font](const Cache &candidate) { return candidate.font == font; });
    if (cache == m_caches.end()) {
        // A font not seen lately takes the place of the oldest.
        if (m_caches.size() >= kMaxFonts)
            m_caches.erase(m_caches.begin());
        m_caches.push_back({font, {}});
        cache = m_caches.end() - 1;
    }
    QHash<QString, QStaticText> &texts = cache->texts;
    if (texts.size() >= kMaxCachedTexts)
        texts.clear();
    auto it = texts.find(text);
    if (it == texts.end()) {
        QStaticText prepared(text);
        prepared.setTextFormat(Qt::PlainText);
        prepared.setPerformanceHint(QStaticText::AggressiveCaching);
        prepared.prepare(QTransform(), font);
        it = texts.insert(text, prepared);
    }
    return *it;
}

void CachedTextDelegate::paint(
    QPainter *painter, const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    if (opt.features.testFlag(QStyleOptionViewItem::HasCheckIndicator)) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    const QWidget *widget = opt.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    // Background, selection and hover, as the style draws them.
    style->drawPrimitive(QStyle::PE_PanelItemViewItem, &opt, painter, widget);

    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, widget) + 1;
    QRect rect = opt.rect.adjusted(margin, 0, -margin, 0);
    if (opt.features.testFlag(QStyleOptionViewItem::HasDecoration)) {
        // An icon on the left (the status dot), the text after it.
        const QSize size = opt.decorationSize;
        const QRect iconRect(rect.left(), rect.top() + (rect.height() - size.height()) / 2,
            size.width(), size.height());
        opt.icon.paint(painter, iconRect, Qt::AlignCenter,
            opt.state & QStyle::State_Enabled ? QIcon::Normal : QIcon::Disabled);
        rect.setLeft(iconRect.right() + 1 + margin);
    }
    if (!opt.text.isEmpty()) {
        const QPalette::ColorGroup group = !(opt.state & QStyle::State_Enabled) ? QPalette::Disabled
            : (opt.state & QStyle::State_Active)                                ? QPalette::Normal
                                                 : QPalette::Inactive;
        painter->save();
        painter->setPen(opt.palette.color(group,
            opt.state & QStyle::State_Selected ? QPalette::HighlightedText : QPalette::Text));
        painter->setFont(opt.font);
        painter->setClipRect(rect);
        const QStaticText *text = &staticText(opt.text, opt.font);
        QStaticText elided;
        if (text->size().width() > rect.width()) {
            // Rare (a column made narrow): elide as the style would.
            elided = QStaticText(
                QFontMetrics(opt.font).elidedText(opt.text, opt.textElideMode, rect.width()));
            elided.setTextFormat(Qt::PlainText);
            text = &elided;
        }
        const QSizeF size = text->size();
        qreal x = rect.left();
        if (opt.displayAlignment & Qt::AlignRight)
            x = rect.right() + 1 - size.width();
        else if (opt.displayAlignment & Qt::AlignHCenter)
            x = rect.left() + (rect.width() - size.width()) / 2;
        const qreal y = rect.top() + (rect.height() - size.height()) / 2;
        painter->drawStaticText(QPointF(x, y), *text);
        painter->restore();
    }
    if (opt.state & QStyle::State_HasFocus) {
        QStyleOptionFocusRect focus;
        focus.QStyleOption::operator=(opt);
        focus.rect = style->subElementRect(QStyle::SE_ItemViewItemFocusRect, &opt, widget);
        focus.state |= QStyle::State_KeyboardFocusChange | QStyle::State_Item;
        style->drawPrimitive(QStyle::PE_FrameFocusRect, &focus, painter, widget);
    }
}

} // namespace dmr::console
