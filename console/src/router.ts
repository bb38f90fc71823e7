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
import AdminArea from './pages/AdminArea.vue';
import AdminKeys from './pages/AdminKeys.vue';
import AdminSettings from './pages/AdminSettings.vue';
import AdminChannels from './pages/AdminChannels.vue';
import AdminForbidden from './pages/AdminForbidden.vue';
import OpinionAlerts from './pages/OpinionAlerts.vue';
import OpinionTasks from './pages/OpinionTasks.vue';
import OpinionTask from './pages/OpinionTask.vue';
import AlertTargets from './pages/AlertTargets.vue';

/** The press API's roles (api/routes/opinion.routes.ts): other staff are told why they cannot enter. */
const PRESS = ['press', 'admin'];

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/', redirect: '/items' },
    { path: '/sign-in', component: SignIn, meta: { title: '登录', public: true } },
    { path: '/items', component: Items, meta: { title: '本机关事项' } },
    { path: '/items/:id', component: ItemDetail, meta: { title: '事项详情' } },
    { path: '/publish', component: Publish, meta: { title: '发布事项' } },
    { path: '/review', component: Review, meta: { title: '待审核' } },
    // 系统管理: admins only (the guard below); /staff keeps its address inside the admin area.
    {
      path: '/admin',
      component: AdminArea,
      redirect: '/admin/keys',
      meta: { admin: true },
      children: [
        { path: 'keys', component: AdminKeys, meta: { title: 'API 密钥' } },
        { path: 'settings', component: AdminSettings, meta: { title: '先审后发与工作日历' } },
        { path: 'channels', component: AdminChannels, meta: { title: '发布渠道账号' } },
        { path: '/staff', component: Staff, meta: { title: '工作人员账号' } },
        { path: 'alert-targets', component: AlertTargets, meta: { title: '值班提醒' } },
      ],
    },
    { path: '/forbidden', component: AdminForbidden, meta: { title: '无权访问' } },
    { path: '/compliance', component: Compliance, meta: { title: '待办与时限' } },
    { path: '/report', component: Report, meta: { title: '年度报告' } },
    { path: '/opinion/alerts', component: OpinionAlerts, meta: { title: '舆情预警', roles: PRESS } },
    { path: '/opinion/tasks', component: OpinionTasks, meta: { title: '回应任务', roles: PRESS } },
    { path: '/opinion/tasks/:id', component: OpinionTask, meta: { title: '回应任务详情', roles: PRESS } },
    { path: '/alert-targets', redirect: '/admin/alert-targets' },
  ],
});

router.beforeEach(async (to) => {
  if (!session.checked) {
    session.me = await currentUser();
    session.checked = true;
  }
  if (!to.meta.public && !session.me) return { path: '/sign-in', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  if (to.matched.some((r) => r.meta.admin) && session.me && session.me.role !== 'admin') return { path: '/forbidden', query: { from: to.fullPath } };
  const roles = to.meta.roles as string[] | undefined;
  if (roles && session.me && !roles.includes(session.me.role)) return { path: '/forbidden', query: { from: to.fullPath, need: 'press' } };
  return true;
});

router.afterEach((to) => {
  document.title = `${String(to.meta.title ?? '机关工作台')} · gongkai 机关工作台`;
});
