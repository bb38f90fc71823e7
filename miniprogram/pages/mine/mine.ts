/** 我的订阅: the resident's subscriptions in words, each removable after a confirmation. */
import { api, errorMessage } from '../../services/api';
import { describeSubscription, formatDate } from '../../utils/format';
import { confirm, toast } from '../../utils/ui';

type State = 'loading' | 'ready' | 'empty' | 'error';

interface Line {
  id: string;
  text: string;
  since: string;
}

Component({
  data: {
    state: 'loading' as State,
    errorMessage: '',
    items: [] as Line[],
    deletingId: '',
  },
  methods: {
    /** A tab page: reload on every show, so a subscription made on 订阅 appears here. */
    onShow() {
      void this.load();
    },
    onPullDownRefresh() {
      void this.load().then(() => wx.stopPullDownRefresh());
    },
    async load() {
      this.setData({ state: 'loading', errorMessage: '' });
      try {
        const [list, catalogue] = await Promise.all([
          api.subscriptions(),
          // Names only: without the catalogue, codes are shown.
          api.catalogue().catch(() => undefined),
        ]);
        const items = list.items.map((s) => ({
          id: s.id,
          text: describeSubscription(s, catalogue),
          since: formatDate(s.createdAt),
        }));
        this.setData({ state: items.length ? 'ready' : 'empty', items });
      } catch (err) {
        this.setData({ state: 'error', errorMessage: errorMessage(err) });
      }
    },
    onRetry() {
      void this.load();
    },
    onGoSubscribe() {
      wx.switchTab({ url: '/pages/subscribe/subscribe' });
    },
    /** 依申请公开: the resident's own information requests and a new one. */
    onGoRequests() {
      wx.navigateTo({ url: '/pages/request/request' });
    },
    async onDelete(e: WechatMiniprogram.BaseEvent<{}, { id?: string }>) {
      const id = e.currentTarget.dataset.id;
      const item = this.data.items.find((i) => i.id === id);
      if (!id || !item || this.data.deletingId) return;
      if (!(await confirm('取消订阅', `确定不再接收「${item.text}」的提醒吗？`, '取消订阅'))) return;
      this.setData({ deletingId: id });
      try {
        await api.unsubscribe(id);
        const items = this.data.items.filter((i) => i.id !== id);
        this.setData({ items, deletingId: '', state: items.length ? 'ready' : 'empty' });
        toast('已取消订阅', 'success');
      } catch (err) {
        this.setData({ deletingId: '' });
        toast(errorMessage(err));
      }
    },
  },
});
