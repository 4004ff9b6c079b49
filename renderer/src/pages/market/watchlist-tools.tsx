/**
 * The market watch column's antd parts, loaded with antd after the first prices: the instrument
 * search that adds to the open watchlist, the dialog that names a watchlist, the confirmation
 * before one is deleted, and the messages that report what happened.
 */
import { App, Input, Modal, Typography } from 'antd';
import type { MessageInstance } from 'antd/es/message/interface';
import type { RefSelectProps } from 'antd/es/select';
import { useEffect, useState } from 'react';
import { InstrumentSearch } from '../../components/instrument-search';
import { useDeck, useSlice } from '../../app/deck';
import { shownError } from '../../stores/errors';
import { activeList, nameProblem } from '../../stores/watchlist-store';

export interface Naming {
  /** null: a new watchlist. */
  id: number | null;
  name: string;
}

export interface Deleting {
  id: number;
  name: string;
  count: number;
}

export interface WatchlistToolsProps {
  searchRef: React.RefObject<RefSelectProps | null>;
  /** Instruments the ticker carries (null until its state is known). */
  carried: ReadonlySet<string> | null;
  naming: Naming | null;
  setNaming: (naming: Naming | null) => void;
  deleting: Deleting | null;
  setDeleting: (deleting: Deleting | null) => void;
  /** The panel's way to report (its own errors, before and after these tools load). */
  onMessages: (messages: MessageInstance | null) => void;
}

export default function WatchlistTools({ searchRef, carried, naming, setNaming, deleting, setDeleting, onMessages }: WatchlistToolsProps) {
  const deck = useDeck();
  const { message, modal } = App.useApp();
  const lists = useSlice(deck.watchlists, (state) => state.lists);
  const activeId = useSlice(deck.watchlists, (state) => state.activeId);
  const list = activeList({ lists, activeId });
  const [nameError, setNameError] = useState<string | null>(null);

  useEffect(() => {
    onMessages(message);
    return () => onMessages(null);
  }, [message, onMessages]);

  useEffect(() => {
    if (!deleting) return;
    const { id, name, count } = deleting;
    modal.confirm({
      title: `Delete the watchlist “${name}”?`,
      content: `Its ${count} instruments stay subscribed on the ticker; only the list goes.`,
      okText: 'Delete watchlist',
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await deck.watchlists.getState().remove(id);
        } catch (error) {
          message.error(shownError(error).message);
        }
      },
      afterClose: () => setDeleting(null),
    });
  }, [deleting, deck, message, modal, setDeleting]);

  const add = async (id: string) => {
    try {
      await deck.watchlists.getState().add(id);
      deck.watchlists.getState().select(id);
      // A price needs the ticker to carry the instrument: subscribe it, as Kite's market watch does.
      if (carried && !carried.has(id)) {
        await deck.ticker.getState().subscribe([id], 'full');
        message.success(`${id} added and subscribed on the ticker`);
      } else message.success(`${id} added to ${list?.name ?? 'the watchlist'}`);
    } catch (error) {
      message.error(shownError(error).message);
    }
  };

  const saveName = async () => {
    if (!naming) return;
    const name = naming.name.trim();
    const problem = nameProblem(name, lists, naming.id);
    if (problem) return setNameError(problem);
    try {
      if (naming.id === null) await deck.watchlists.getState().create(name);
      else await deck.watchlists.getState().rename(naming.id, name);
      setNaming(null);
    } catch (error) {
      setNameError(shownError(error).message);
    }
  };

  return (
    <div style={{ padding: '8px 8px 4px' }}>
      <InstrumentSearch ref={searchRef} agent={deck.agent} placeholder="Search & add   ( / )" onPick={(id) => void add(id)} style={{ width: '100%' }} />
      <Modal
        open={naming !== null}
        title={naming?.id === null ? 'New watchlist' : 'Rename watchlist'}
        okText={naming?.id === null ? 'Create' : 'Rename'}
        onOk={() => void saveName()}
        onCancel={() => setNaming(null)}
        afterClose={() => setNameError(null)}
        destroyOnHidden
      >
        <Input
          autoFocus
          value={naming?.name ?? ''}
          maxLength={40}
          status={nameError ? 'error' : undefined}
          placeholder="Banks, F&O, Swing…"
          onChange={(event) => {
            if (naming) setNaming({ ...naming, name: event.target.value });
            setNameError(nameProblem(event.target.value.trim(), lists, naming?.id ?? null));
          }}
          onPressEnter={() => void saveName()}
        />
        {nameError ? <Typography.Text type="danger">{nameError}</Typography.Text> : null}
      </Modal>
    </div>
  );
}
