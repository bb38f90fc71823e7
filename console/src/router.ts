import { createRouter, createWebHistory } from 'vue-router';
import { currentUser } from './api.ts';
import { session } from './session.ts';
import SignIn from './pages/SignIn.vue';
import Items from './pages/Items.vue';
import Compliance from './pages/Compliance.vue';
import Report from './pages/Report.vue';
import Publish from './pages/Publish.vue';
import Review from './pages/Review.vue';
import Staff from './pages/Staff.vue';
import ItemDetail from './pages/ItemDetail.vue';

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/', redirect: '/items' },
    { path: '/sign-in', component: SignIn, meta: { title: '登录', public: true } },
    { path: '/items', component: Items, meta: { title: '本机关事项' } },
    { path: '/items/:id', component: ItemDetail, meta: { title: '事项详情' } },
    { path: '/publish', component: Publish, meta: { title: '发布事项' } },
    { path: '/review', component: Review, meta: { title: '待审核' } },
    { path: '/staff', component: Staff, meta: { title: '工作人员账号' } },
    { path: '/compliance', component: Compliance, meta: { title: '待办与时限' } },
    { path: '/report', component: Report, meta: { title: '年度报告' } },
  ],
});

router.beforeEach(async (to) => {
  if (!session.checked) {
    session.me = await currentUser();
    session.checked = true;
  }
  if (!to.meta.public && !session.me) return { path: '/sign-in', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  return true;
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '机关工作台')} · gongkai 机关工作台`;
});
