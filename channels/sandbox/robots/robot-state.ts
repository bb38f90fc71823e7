/**
 * The group robots the sandbox knows: WeCom robots by key, DingTalk robots by access token, each
 * with its security settings and a per-minute budget (20 on both platforms), counted on a sliding
 * minute of the sandbox's clock.
 */
export interface WecomRobotSetup {
  key: string;
  /** Messages a minute before 45009; default 20. */
  perMinute?: number;
}

export interface DingtalkRobotSetup {
  accessToken: string;
  /** 加签: requests must carry timestamp and sign made with it. */
  secret?: string;
  /** 自定义关键词: a message must contain one. */
  keywords?: string[];
  /** IP whitelist: requests from other addresses get 310000. */
  ips?: string[];
  /** Messages a minute before 130101; default 20. Past it DingTalk throttles for 10 minutes. */
  perMinute?: number;
}

/** The sandbox's own robots, known out of the box (what targets in sandbox mode without secrets use). */
export const SANDBOX_ROBOTS = {
  wecom: { key: 'sandbox-wecom-robot-key' },
  dingtalk: { accessToken: 'sandbox-dingtalk-robot-token', secret: 'SECsandbox-dingtalk-robot-secret' },
} as const;

const MINUTE_MS = 60_000;

export class RobotSandboxState {
  readonly wecom = new Map<string, WecomRobotSetup & { sent: number[] }>();
  readonly dingtalk = new Map<string, DingtalkRobotSetup & { sent: number[]; throttledUntil?: number }>();

  constructor(readonly now: () => number = Date.now) {
    this.reset();
  }

  reset(): void {
    this.wecom.clear();
    this.dingtalk.clear();
    this.registerWecom({ ...SANDBOX_ROBOTS.wecom });
    this.registerDingtalk({ ...SANDBOX_ROBOTS.dingtalk });
  }

  registerWecom(setup: WecomRobotSetup): void {
    this.wecom.set(setup.key, { ...setup, sent: [] });
  }

  registerDingtalk(setup: DingtalkRobotSetup): void {
    this.dingtalk.set(setup.accessToken, { ...setup, sent: [] });
  }

  /** Takes one message of the robot's minute; false when the minute is spent. */
  take(robot: { perMinute?: number; sent: number[] }): boolean {
    const now = this.now();
    robot.sent = robot.sent.filter((at) => at > now - MINUTE_MS);
    if (robot.sent.length >= (robot.perMinute ?? 20)) return false;
    robot.sent.push(now);
    return true;
  }
}
