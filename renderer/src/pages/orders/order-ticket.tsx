/**
 * The manual order ticket, Kite's order window: instrument, buy or sell, quantity, type (MARKET,
 * LIMIT, SL, SL-M) with its price and trigger, the stop for money at risk, product, and the algo
 * it is booked to ("manual" unless named). It goes through the same pre-trade check as an algo's
 * order: a refusal shows its rule and the agent's sentence beside the form, as they are; a bad
 * field shows the agent's message on that field. Opened by B or S on the selected instrument (or
 * a page's button); Esc closes. The submit button says what will be sent.
 */
import { App, Alert, Button, Drawer, Form, type GetRef, Input, InputNumber, Segmented, Space, Tag, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { ORDER_TYPES, PRODUCTS, type OrderSide, type OrderType, type Product } from '../../../../shared/order';
import { useDeck, useSlice } from '../../app/deck';
import { InstrumentSearch } from '../../components/instrument-search';
import { LiveCell } from '../../components/live-cells';
import { decimalsOf, formatPrice, formatQuantity, formatRupees, groupTyped, ungroupTyped } from '../../format/numbers';
import { useWant } from '../../live/use-live';
import { type ShownError, shownError } from '../../stores/errors';
import { MANUAL_ALGO, type PlaceOrderInput } from '../../stores/orders-store';
import { describeOrder } from './order-tables';

interface Values {
  instrument: string | null;
  side: OrderSide;
  quantity: number | null;
  type: OrderType;
  price: number | null;
  trigger: number | null;
  stopLoss: number | null;
  product: Product;
  algo: string;
}

/** Fields of the form by the names the agent's errors use. */
const FIELDS = new Set<keyof Values>(['instrument', 'side', 'quantity', 'type', 'price', 'trigger', 'stopLoss', 'product', 'algo']);
/** Errors after which the order may or may not have been placed. */
const OUTCOME_UNKNOWN = new Set(['unavailable', 'internal', 'outcome_unknown', 'request_timeout']);
const takesPrice = (type: OrderType) => type === 'LIMIT' || type === 'SL';
const takesTrigger = (type: OrderType) => type === 'SL' || type === 'SL-M';

/** A fresh id per order: a resend after a lost answer is the same order, never a second one. */
function newClientOrderId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `ticket-${Date.now().toString(36)}-${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}

/** The algo named last, for the next ticket. */
let lastAlgo = MANUAL_ALGO;

export default function OrderTicket() {
  const deck = useDeck();
  const { message } = App.useApp();
  const draft = useSlice(deck.orders, (slice) => slice.ticket);
  const fallbackFraction = useSlice(deck.risk, (slice) => slice.summary?.limits.global.fallbackRiskFraction ?? 0.02);
  const algos = useSlice(deck.risk, (slice) => slice.summary?.algos);
  const [form] = Form.useForm<Values>();
  const [refusal, setRefusal] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const clientOrderId = useRef(newClientOrderId());
  /** The order (without its id) whose outcome is unknown: only that same order is resent with the same id. */
  const unknownOrder = useRef<string | null>(null);
  const quantityRef = useRef<GetRef<typeof InputNumber>>(null);
  /** Where the focus was when the ticket opened: it goes back there when the ticket closes. */
  const returnFocus = useRef<HTMLElement | null>(null);
  const values = Form.useWatch([], form) as Partial<Values> | undefined;
  const side = values?.side ?? draft?.side ?? 'BUY';
  const type = values?.type ?? 'MARKET';
  const instrument = values?.instrument ?? null;
  const known = useSlice(deck.watchlists, (slice) => (instrument ? slice.instruments[instrument] : undefined));
  useWant(deck.feed, instrument ? [instrument] : []);
  const decimals = decimalsOf(known?.tickSize);

  const opened = draft?.opened;
  useEffect(() => {
    if (!draft) return;
    if (!document.activeElement?.closest('.order-ticket')) returnFocus.current = document.activeElement as HTMLElement | null;
    form.resetFields();
    form.setFieldsValue({ side: draft.side, instrument: draft.instrument, quantity: draft.quantity ?? 1, algo: draft.algo ?? lastAlgo });
    clientOrderId.current = newClientOrderId();
    unknownOrder.current = null;
    // A new opening starts clean: the last refusal was about another order.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setRefusal(null);
    // Only a new opening resets the form, not the draft object changing identity.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [opened, form]);

  const close = () => deck.orders.getState().closeTicket();

  const submit = async (v: Values) => {
    setRefusal(null);
    const order: PlaceOrderInput = {
      algo: v.algo?.trim() ?? '',
      instrument: v.instrument ?? '',
      side: v.side,
      quantity: v.quantity ?? 0,
      type: v.type,
      product: v.product,
      clientOrderId: clientOrderId.current,
      ...(takesPrice(v.type) && v.price !== null && v.price !== undefined ? { price: v.price } : {}),
      ...(takesTrigger(v.type) && v.trigger !== null && v.trigger !== undefined ? { trigger: v.trigger } : {}),
      ...(v.stopLoss !== null && v.stopLoss !== undefined ? { stopLoss: v.stopLoss } : {}),
    };
    // Changed since an unknown outcome: a different order, so a new id (the old one would answer the old order).
    const { clientOrderId: _id, ...content } = order;
    const key = JSON.stringify(content);
    if (unknownOrder.current !== null && unknownOrder.current !== key) order.clientOrderId = clientOrderId.current = newClientOrderId();
    unknownOrder.current = null;
    setBusy(true);
    try {
      const placed = await deck.orders.getState().place(order);
      lastAlgo = order.algo;
      const outcome = placed.state === 'filled' ? `filled at ₹${formatPrice(placed.averagePrice ?? undefined, decimals)}` : placed.state.replace('_', ' ');
      message.success(`${describeOrder(placed)}: ${outcome}`);
      close();
    } catch (caught) {
      const shown = shownError(caught);
      // The agent answered: this order is done (placed or refused), the next try is a new one. No
      // answer (or a member that lost its hub): it may have been placed, so a retry is the same order.
      if (!OUTCOME_UNKNOWN.has(shown.code)) clientOrderId.current = newClientOrderId();
      else unknownOrder.current = key;
      const field = shown.field?.split('.')[0] as keyof Values | undefined;
      if (!shown.rule && field && FIELDS.has(field)) form.setFields([{ name: field, errors: [shown.message] }]);
      else setRefusal(shown);
    } finally {
      setBusy(false);
    }
  };

  // What the order would be worth and risk, by the agent's definitions (the agent decides).
  const last = instrument ? deck.feed.prices.get(instrument)?.lastPrice : undefined;
  const entry = takesPrice(type) ? (values?.price ?? undefined) : takesTrigger(type) ? (values?.trigger ?? undefined) : last;
  const quantity = values?.quantity ?? 0;
  const value = entry !== undefined && entry !== null ? entry * quantity : undefined;
  const stop = values?.stopLoss ?? null;
  const risk = value === undefined ? undefined : stop === null ? value * fallbackFraction : Math.max(0, (side === 'BUY' ? 1 : -1) * (entry! - stop) * quantity);
  const verb = side === 'BUY' ? 'Buy' : 'Sell';

  return (
    <Drawer
      open={draft !== null}
      onClose={close}
      size={400}
      mask={false}
      rootClassName={`order-ticket ticket-${side === 'BUY' ? 'buy' : 'sell'}`}
      afterOpenChange={(open) => {
        // Quantity first, unless the trader already went to another field while it opened.
        if (open) return document.activeElement?.closest('.order-ticket input') ? undefined : quantityRef.current?.focus();
        const back = returnFocus.current;
        if (back?.isConnected) back.focus();
        else if (document.activeElement instanceof HTMLElement && document.activeElement.closest('.order-ticket')) document.activeElement.blur();
      }}
      title={
        <Space size={8}>
          <span>{verb}</span>
          <Typography.Text strong>{instrument ?? 'an instrument'}</Typography.Text>
        </Space>
      }
      extra={
        instrument ? (
          <Space size={6} className="ticket-quote">
            <span className="muted">LTP</span>
            <LiveCell feed={deck.feed} id={instrument} field="lastPrice" decimals={decimals} />
            <LiveCell feed={deck.feed} id={instrument} field="change" colour />
          </Space>
        ) : null
      }
      data-testid="order-ticket"
    >
      <Form<Values> form={form} layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)} initialValues={{ type: 'MARKET', product: 'MIS', algo: MANUAL_ALGO, quantity: 1 }} onValuesChange={() => refusal && setRefusal(null)}>
        {refusal ? (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 12 }}
            data-testid="ticket-refusal"
            message={refusal.rule ? <Space size={6}>Refused by the risk check <Tag color="error" className="mono" data-testid="ticket-rule">{refusal.rule}</Tag></Space> : 'Not placed'}
            description={<span data-testid="ticket-message">{refusal.message}</span>}
          />
        ) : null}
        <Form.Item name="side" style={{ marginBottom: 10 }}>
          <Segmented<OrderSide> block options={[{ value: 'BUY', label: 'BUY' }, { value: 'SELL', label: 'SELL' }]} className="ticket-side" data-testid="ticket-side" />
        </Form.Item>
        <Form.Item label="Instrument" name="instrument" valuePropName="selected" trigger="onPick">
          <InstrumentSearch agent={deck.agent} placeholder="Search an instrument" style={{ width: '100%' }} testId="ticket-instrument" />
        </Form.Item>
        <Space size={10} style={{ display: 'flex' }} align="start">
          <Form.Item label="Quantity" name="quantity" style={{ width: 120 }}>
            <InputNumber ref={quantityRef} min={1} precision={0} style={{ width: '100%' }} formatter={groupTyped} parser={ungroupTyped} className="num-input" data-testid="ticket-quantity" />
          </Form.Item>
          <Form.Item label="Product" name="product">
            <Segmented<Product> options={PRODUCTS.map((product) => ({ value: product, label: product }))} />
          </Form.Item>
        </Space>
        <Form.Item label="Type" name="type" style={{ marginBottom: 10 }}>
          <Segmented<OrderType> block options={ORDER_TYPES.map((value) => ({ value, label: value }))} data-testid="ticket-type" />
        </Form.Item>
        <Space size={10} style={{ display: 'flex' }} align="start">
          <Form.Item label="Price" name="price" style={{ flex: 1 }}>
            <InputNumber min={0} step={known?.tickSize ?? 0.05} precision={decimals} disabled={!takesPrice(type)} placeholder={takesPrice(type) ? '' : 'market'} prefix="₹" style={{ width: '100%' }} formatter={groupTyped} parser={ungroupTyped} className="num-input" data-testid="ticket-price" />
          </Form.Item>
          <Form.Item label="Trigger" name="trigger" style={{ flex: 1 }}>
            <InputNumber min={0} step={known?.tickSize ?? 0.05} precision={decimals} disabled={!takesTrigger(type)} placeholder={takesTrigger(type) ? '' : '—'} prefix="₹" style={{ width: '100%' }} formatter={groupTyped} parser={ungroupTyped} className="num-input" data-testid="ticket-trigger" />
          </Form.Item>
        </Space>
        <Space size={10} style={{ display: 'flex' }} align="start">
          <Form.Item label="Stop-loss" name="stopLoss" style={{ flex: 1 }} extra="For money at risk; not sent to the broker.">
            <InputNumber min={0} step={known?.tickSize ?? 0.05} precision={decimals} prefix="₹" placeholder="none" style={{ width: '100%' }} formatter={groupTyped} parser={ungroupTyped} className="num-input" data-testid="ticket-stop" />
          </Form.Item>
          <Form.Item label="Algo" name="algo" style={{ flex: 1 }} extra="The book it counts in.">
            <Input maxLength={64} list="ticket-algos" data-testid="ticket-algo" />
          </Form.Item>
        </Space>
        <datalist id="ticket-algos">
          {[MANUAL_ALGO, ...Object.keys(algos ?? {}).filter((name) => name !== MANUAL_ALGO)].map((name) => (
            <option key={name} value={name} />
          ))}
        </datalist>
        <div className="ticket-estimate">
          <span>
            <span className="muted">Value ≈ </span>
            <b className="num">{value === undefined ? '—' : formatRupees(value)}</b>
          </span>
          <span title={stop === null ? `No stop: ${(fallbackFraction * 100).toFixed(1)} % of the value counts as at risk` : 'Quantity × the distance from the price to the stop'}>
            <span className="muted">At risk ≈ </span>
            <b className="num">{risk === undefined ? '—' : formatRupees(risk)}</b>
            {stop === null && risk !== undefined ? <span className="muted"> (no stop)</span> : null}
          </span>
        </div>
        <Space style={{ display: 'flex', marginTop: 12 }}>
          <Button htmlType="submit" type="primary" loading={busy} className={side === 'BUY' ? 'buy-button' : 'sell-button'} style={{ minWidth: 170 }} data-testid="ticket-submit">
            {verb} {quantity > 0 ? formatQuantity(quantity) : ''} {instrument ? instrument.slice(instrument.indexOf(':') + 1) : ''} {type === 'MARKET' ? 'at market' : type}
          </Button>
          <Button onClick={close}>
            Cancel <kbd>Esc</kbd>
          </Button>
        </Space>
      </Form>
    </Drawer>
  );
}
