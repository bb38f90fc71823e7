/**
 * 依申请公开: the resident's own information requests (GET /me/requests), a new one (POST
 * /me/requests) and one request's steps and reply (GET /me/requests/:receipt, also opened from
 * a progress notice with ?receipt=). The 受理机关 is picked from the public agency directory
 * (GET /api/v1/agencies), loaded when the form first opens. As on 订阅, the consent popup for progress notices is asked
 * straight from the tap, before any await; the request is submitted whatever the answer.
 */
import { api, ApiError, errorMessage } from '../../services/api';
import type { Agency, RequestInput, RequestView } from '../../services/types';
import { requestSubscribe } from '../../utils/ui';
import type { ConsentOutcome } from '../../utils/ui';

type State = 'loading' | 'ready' | 'error';
type Mode = 'list' | 'form' | 'submitted' | 'detail';

const STATE_NAMES: Record<string, string> = {
  'awaiting-receipt': '已提交，待机关确认收到',
  'in-progress': '办理中',
  'awaiting-correction': '待补正',
  consulting: '征求意见中',
  decided: '已答复',
  abandoned: '已终止（视为放弃申请）',
};

const TYPES = [
  ['natural', '自然人'],
  ['commercial', '商业企业'],
  ['research', '科研机构'],
  ['nonprofit', '社会公益组织'],
  ['legal-services', '法律服务机构'],
  ['other', '其他组织'],
];
const ID_TYPES = [
  ['resident-id', '居民身份证'],
  ['passport', '护照'],
  ['hk-macao-pass', '港澳居民来往内地通行证'],
  ['taiwan-pass', '台湾居民来往大陆通行证'],
  ['credit-code', '统一社会信用代码'],
  ['other', '其他证件'],
];
const DELIVERIES = [
  ['online', '在线获取'],
  ['email', '电子邮件'],
  ['paper-post', '纸质（邮寄）'],
  ['paper-pickup', '纸质（自行领取）'],
  ['disc', '光盘'],
  ['inspect', '当场查阅、抄录'],
];

/** API field path → the form's error slot. */
const ERROR_SLOTS: Record<string, string> = {
  agency: 'agency',
  'requester.name': 'name',
  'requester.idNumber': 'idNumber',
  'requester.idType': 'idNumber',
  'requester.contact': 'phone',
  'requester.contact.phone': 'phone',
  description: 'description',
};
const SLOT_MESSAGES: Record<string, string> = {
  agency: '请选择受理机关',
  name: '请填写姓名或名称',
  idNumber: '请填写正确的证件号码（居民身份证为18位）',
  phone: '请填写联系电话',
  description: '请描述所需的政府信息',
};

const NO_ERRORS = { agency: '', name: '', idNumber: '', phone: '', description: '', form: '' };

Component({
  data: {
    state: 'loading' as State,
    mode: 'list' as Mode,
    errorMessage: '',
    items: [] as { receiptNumber: string; stateName: string; dueOn?: string; overdue: boolean }[],
    templateIds: [] as string[],
    typeNames: TYPES.map((t) => t[1]!),
    typeIndex: 0,
    idTypeNames: ID_TYPES.map((t) => t[1]!),
    idTypeIndex: 0,
    deliveryNames: DELIVERIES.map((d) => d[1]!),
    deliveryIndex: 0,
    agencies: [] as Agency[],
    agencyNames: [] as string[],
    /** -1 until the resident picks one: no agency is chosen for them. */
    agencyIndex: -1,
    /** What the picker shows and opens at, kept here so the WXML needs no expressions. */
    agencyLabel: '请选择受理机关',
    agencyPickerIndex: 0,
    agenciesState: 'idle' as 'idle' | 'loading' | 'ready' | 'error',
    agenciesError: '',
    form: { name: '', idNumber: '', phone: '', description: '' },
    errors: { ...NO_ERRORS },
    submitting: false,
    submitted: { receiptNumber: '', accessCode: '' },
    submittedNote: '',
    detail: undefined as (RequestView & { stateName: string }) | undefined,
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      // The template ids for the consent popup, loaded before any tap; without them no popup.
      void api.mpConfig().then((c) => this.setData({ templateIds: c.templateIds }), () => undefined);
      if (query.receipt) void this.openDetail(query.receipt);
      else void this.loadList();
    },
    async loadList() {
      this.setData({ state: 'loading', mode: 'list', errorMessage: '' });
      try {
        const { items } = await api.myRequests();
        this.setData({
          state: 'ready',
          items: items.map((i) => ({ receiptNumber: i.receiptNumber, stateName: STATE_NAMES[i.state] ?? i.state, dueOn: i.dueOn, overdue: i.overdue })),
        });
      } catch (err) {
        this.setData({ state: 'error', errorMessage: errorMessage(err) });
      }
    },
    async openDetail(receipt: string) {
      this.setData({ state: 'loading', mode: 'detail', errorMessage: '' });
      try {
        const view = await api.myRequest(receipt);
        this.setData({ state: 'ready', detail: { ...view, stateName: STATE_NAMES[view.state] ?? view.state } });
      } catch (err) {
        this.setData({ state: 'error', errorMessage: errorMessage(err) });
      }
    },
    onRetry() {
      void this.loadList();
    },
    onOpen(e: WechatMiniprogram.BaseEvent<{}, { receipt?: string }>) {
      const receipt = e.currentTarget.dataset.receipt;
      if (receipt) void this.openDetail(receipt);
    },
    onBack() {
      void this.loadList();
    },
    onNew() {
      this.setData({ mode: 'form', errors: { ...NO_ERRORS }, submitting: false });
      if (this.data.agenciesState !== 'ready' && this.data.agenciesState !== 'loading') void this.loadAgencies();
    },
    async loadAgencies() {
      this.setData({ agenciesState: 'loading', agenciesError: '' });
      try {
        const { items } = await api.agencies();
        this.setData({ agenciesState: 'ready', agencies: items, agencyNames: items.map((a) => a.name), agencyIndex: -1, agencyLabel: '请选择受理机关', agencyPickerIndex: 0 });
      } catch (err) {
        this.setData({ agenciesState: 'error', agenciesError: errorMessage(err) });
      }
    },
    onAgenciesRetry() {
      void this.loadAgencies();
    },
    onAgencyChange(e: WechatMiniprogram.PickerChange) {
      const agencyIndex = Number(e.detail.value);
      const agency = this.data.agencies[agencyIndex];
      if (agency) this.setData({ agencyIndex, agencyPickerIndex: agencyIndex, agencyLabel: agency.name, 'errors.agency': '' });
    },
    onInput(e: WechatMiniprogram.Input & { currentTarget: { dataset: { field?: string } } }) {
      const field = e.currentTarget.dataset.field;
      if (field) this.setData({ [`form.${field}`]: e.detail.value, [`errors.${field}`]: '' });
    },
    onTypeChange(e: WechatMiniprogram.PickerChange) {
      const typeIndex = Number(e.detail.value);
      // An organisation identifies with its 统一社会信用代码.
      this.setData({ typeIndex, idTypeIndex: typeIndex === 0 ? 0 : 4 });
    },
    onIdTypeChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ idTypeIndex: Number(e.detail.value) });
    },
    onDeliveryChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ deliveryIndex: Number(e.detail.value) });
    },
    onSubmit() {
      if (this.data.submitting) return;
      const { form } = this.data;
      const agency = this.data.agencies[this.data.agencyIndex];
      const errors = { ...NO_ERRORS };
      if (!agency) errors.agency = SLOT_MESSAGES['agency']!;
      if (!form.name.trim()) errors.name = SLOT_MESSAGES['name']!;
      if (!form.idNumber.trim()) errors.idNumber = SLOT_MESSAGES['idNumber']!;
      if (!form.phone.trim()) errors.phone = SLOT_MESSAGES['phone']!;
      if (!form.description.trim()) errors.description = SLOT_MESSAGES['description']!;
      if (!agency || Object.values(errors).some(Boolean)) {
        this.setData({ errors });
        return;
      }
      const input: RequestInput = {
        agency: agency.code,
        requester: {
          type: TYPES[this.data.typeIndex]![0]!,
          name: form.name.trim(),
          idType: ID_TYPES[this.data.idTypeIndex]![0]!,
          idNumber: form.idNumber.trim(),
          contact: { phone: form.phone.trim() },
        },
        description: form.description.trim(),
        delivery: DELIVERIES[this.data.deliveryIndex]![0]!,
      };
      // Platform rule: the popup only opens when called straight from the tap, before any await.
      const consent: Promise<ConsentOutcome | undefined> = this.data.templateIds.length ? requestSubscribe(this.data.templateIds) : Promise.resolve(undefined);
      this.setData({ submitting: true, errors: { ...NO_ERRORS } });
      void this.save(input, consent);
    },
    async save(input: RequestInput, consent: Promise<ConsentOutcome | undefined>) {
      const outcome = await consent;
      const results = outcome && outcome.ok ? outcome.results : {};
      const accepted = Object.keys(results).some((id) => results[id] === 'accept');
      if (Object.keys(results).length) await api.reportConsents(results).catch(() => undefined);
      try {
        const submitted = await api.submitRequest(input);
        this.setData({
          mode: 'submitted',
          submitting: false,
          submitted,
          submittedNote: accepted
            ? '申请已提交。机关确认收到、补正、延期和答复时，将通过微信服务通知提醒您。'
            : '申请已提交。您没有同意接收通知，请在本页“我的申请”中查看办理进度。',
        });
      } catch (err) {
        const errors = { ...NO_ERRORS };
        if (err instanceof ApiError && err.status === 400 && err.fields.length) {
          for (const f of err.fields) {
            const slot = ERROR_SLOTS[f.path];
            if (slot) (errors as Record<string, string>)[slot] = SLOT_MESSAGES[slot]!;
          }
          if (!Object.values(errors).some(Boolean)) errors.form = errorMessage(err);
        } else errors.form = errorMessage(err);
        this.setData({ submitting: false, errors });
      }
    },
  },
});
