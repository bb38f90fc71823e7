/**
 * 订阅: watch a field / item type / region, or one's own application (申请编号).
 *
 * Order on tap 订阅 (wechat.md §4.5): wx.requestSubscribeMessage first, synchronously inside the
 * tap handler, with template ids loaded beforehand (after an await the popup is refused); then the
 * result goes to POST /me/consents; then POST /me/subscriptions. A subscription is saved even if
 * the resident declines: they are told notices need their consent.
 */
import { api, ApiError, errorMessage } from '../../services/api';
import type { Catalogue, SubscriptionInput } from '../../services/types';
import { fieldOptions, itemTypeOptions, pickedIndex } from '../../utils/catalogue';
import { describeSubscription } from '../../utils/format';
import { sceneFilters } from '../../utils/scene';
import { requestSubscribe } from '../../utils/ui';
import type { ConsentOutcome } from '../../utils/ui';
import { applicationNumberError, regionError } from '../../utils/validate';

type State = 'loading' | 'ready' | 'error';
type Mode = 'filters' | 'application';
type ResultKind = '' | 'success' | 'needs-consent' | 'failure';

interface Errors {
  region: string;
  applicationNumber: string;
  field: string;
  itemType: string;
  form: string;
}

const NO_ERRORS: Errors = { region: '', applicationNumber: '', field: '', itemType: '', form: '' };

let catalogueCache: Catalogue | undefined;
/** Field and region from the website's 小程序码 (`options.scene`), applied once the catalogue is loaded. */
let preset: { field?: string; region?: string } = {};

Component({
  data: {
    state: 'loading' as State,
    errorMessage: '',
    templateIds: [] as string[],
    oneTime: false,
    mode: 'filters' as Mode,
    fieldNames: ['全部领域'],
    fieldCodes: [''],
    fieldIndex: 0,
    itemTypeNames: ['全部事项'],
    itemTypeCodes: [''],
    itemTypeIndex: 0,
    region: '',
    applicationNumber: '',
    errors: { ...NO_ERRORS },
    submitting: false,
    resultKind: '' as ResultKind,
    resultMessage: '',
  },
  methods: {
    onLoad(options: Record<string, string | undefined>) {
      preset = sceneFilters(options && options.scene);
      void this.load();
    },
    async load() {
      this.setData({ state: 'loading', errorMessage: '' });
      try {
        const [mp, catalogue] = await Promise.all([api.mpConfig(), api.catalogue()]);
        catalogueCache = catalogue;
        const fields = fieldOptions(catalogue);
        const fieldIndex = preset.field ? Math.max(0, fields.codes.indexOf(preset.field)) : 0;
        const types = itemTypeOptions(catalogue, fields.codes[fieldIndex] || '');
        this.setData({
          state: 'ready',
          templateIds: mp.templateIds || [],
          oneTime: mp.templateKind === 'one-time',
          fieldNames: fields.names,
          fieldCodes: fields.codes,
          ...(fieldIndex ? { fieldIndex, itemTypeNames: types.names, itemTypeCodes: types.codes, itemTypeIndex: 0 } : {}),
          ...(preset.region ? { region: preset.region, mode: 'filters' as Mode } : {}),
        });
        preset = {};
      } catch (err) {
        this.setData({ state: 'error', errorMessage: errorMessage(err) });
      }
    },
    onRetry() {
      void this.load();
    },
    onMode(e: WechatMiniprogram.BaseEvent<{}, { mode?: Mode }>) {
      const mode = e.currentTarget.dataset.mode === 'application' ? 'application' : 'filters';
      this.setData({ mode, errors: { ...NO_ERRORS }, resultKind: '', resultMessage: '' });
    },
    onFieldChange(e: WechatMiniprogram.PickerChange) {
      const fieldIndex = pickedIndex(e.detail.value, this.data.fieldCodes.length);
      const types = itemTypeOptions(catalogueCache, this.data.fieldCodes[fieldIndex] || '');
      this.setData({ fieldIndex, itemTypeNames: types.names, itemTypeCodes: types.codes, itemTypeIndex: 0 });
    },
    onItemTypeChange(e: WechatMiniprogram.PickerChange) {
      this.setData({ itemTypeIndex: pickedIndex(e.detail.value, this.data.itemTypeCodes.length) });
    },
    onRegionInput(e: WechatMiniprogram.Input) {
      // Returning a string from bindinput replaces what the input shows: digits only.
      const region = String(e.detail.value || '').replace(/\D/g, '').slice(0, 6);
      this.setData({ region, 'errors.region': '' });
      return region;
    },
    onApplicationInput(e: WechatMiniprogram.Input) {
      this.setData({ applicationNumber: String(e.detail.value || '').trim(), 'errors.applicationNumber': '' });
    },
    /** The subscription to save, or the errors that stop it; no request is made for bad input. */
    build(): { input?: SubscriptionInput; errors: Errors } {
      const errors: Errors = { ...NO_ERRORS };
      if (this.data.mode === 'application') {
        errors.applicationNumber = applicationNumberError(this.data.applicationNumber);
        return errors.applicationNumber ? { errors } : { input: { applicationNumber: this.data.applicationNumber }, errors };
      }
      const input: SubscriptionInput = {};
      const field = this.data.fieldCodes[this.data.fieldIndex];
      const itemType = this.data.itemTypeCodes[this.data.itemTypeIndex];
      if (field) input.field = field;
      if (field && itemType) input.itemType = itemType;
      errors.region = regionError(this.data.region);
      if (this.data.region) input.region = this.data.region;
      if (errors.region) return { errors };
      if (!Object.keys(input).length) {
        errors.form = '请至少选择领域或填写行政区划代码';
        return { errors };
      }
      return { input, errors };
    },
    onSubmit() {
      if (this.data.submitting || this.data.state !== 'ready') return;
      const { input, errors } = this.build();
      this.setData({ errors, resultKind: '', resultMessage: '' });
      if (!input) return;
      // Platform rule: the popup only opens when called straight from the tap, before any await.
      const consent: Promise<ConsentOutcome | undefined> = this.data.templateIds.length
        ? requestSubscribe(this.data.templateIds)
        : Promise.resolve(undefined);
      this.setData({ submitting: true });
      void this.save(input, consent);
    },
    async save(input: SubscriptionInput, consent: Promise<ConsentOutcome | undefined>) {
      const outcome = await consent;
      const results = outcome && outcome.ok ? outcome.results : {};
      const accepted = Object.keys(results).some((id) => results[id] === 'accept');
      if (Object.keys(results).length) {
        // A lost report only costs a notice credit; the subscription is still worth saving.
        await api.reportConsents(results).catch(() => undefined);
      }
      try {
        const saved = await api.subscribe(input);
        const what = describeSubscription(saved, catalogueCache);
        if (accepted) {
          const once = this.data.oneTime ? '每次授权可收到一次提醒，' : '';
          this.finish('success', `已订阅：${what}。${once}有新的公开信息时将通过微信服务通知提醒您。`);
        } else {
          this.finish(
            'needs-consent',
            `已保存订阅：${what}。您没有同意接收通知，我们无法向您发送提醒；如需提醒，请再次点击「订阅」并选择“允许”。`,
          );
        }
      } catch (err) {
        this.showSaveError(err);
      }
    },
    showSaveError(err: unknown) {
      const errors: Errors = { ...NO_ERRORS };
      if (err instanceof ApiError && err.fields.length) {
        for (const f of err.fields) {
          const key = f.path.split('.')[0] as keyof Errors;
          if (key in errors && key !== 'form') errors[key] = f.message;
          else errors.form = f.message;
        }
      }
      this.setData({ errors, submitting: false, resultKind: 'failure', resultMessage: `订阅失败：${errorMessage(err)}` });
    },
    finish(kind: ResultKind, message: string) {
      this.setData({ submitting: false, resultKind: kind, resultMessage: message });
    },
  },
});
