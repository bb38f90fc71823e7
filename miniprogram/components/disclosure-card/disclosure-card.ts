/** One disclosure in a list (首页, 搜索); a tap opens its detail page. Search results carry highlighted segments. */
import type { DisclosureCard } from '../../utils/format';

Component({
  properties: {
    card: { type: Object, value: {} as DisclosureCard },
  },
  methods: {
    onTap() {
      const card = this.data.card as DisclosureCard;
      if (!card.id) return;
      wx.navigateTo({ url: `/pages/detail/detail?id=${encodeURIComponent(card.id)}` });
    },
  },
});
