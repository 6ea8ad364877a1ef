import { makeStyles, tokens } from '@fluentui/react-components';
import { useId } from 'react';
import type { RequestStatus, RequestType } from '../api/types';
import {
  lifecycleDescription,
  MAIN_STEPS,
  nodeStates,
  SIDE_ENDING_FROM,
  SIDE_ENDINGS,
  statusInWords,
  type MainStep,
  type NodeState,
  type SideEnding,
} from './lifecycleModel';

export { StatusBadge } from './StatusBadge';

const NODE_WIDTH = 132;
/** Wide enough for its words in bold with the state mark, at the diagram's 13px type. */
const widthFor = (label: string) => Math.max(NODE_WIDTH - 12, Math.round(label.length * 7.8 + 40));
const NODE_HEIGHT = 38;
const MAIN_Y = 96;
const LOOP_Y = 22;
const ENDING_Y = 172;
const STEP_X: Record<MainStep, number> = { draft: 76, submitted: 236, in_review: 396, approved: 556 };
const ENDING_X: Record<SideEnding, number> = {
  cancelled: STEP_X.draft,
  blocked_by_scan: STEP_X.submitted,
  rejected: STEP_X.in_review,
  revoked: STEP_X.approved,
  failed: 716,
  changes_requested: STEP_X.submitted,
};
const ENDING_Y_OF: Record<SideEnding, number> = { ...Object.fromEntries(SIDE_ENDINGS.map((e) => [e, ENDING_Y])), changes_requested: LOOP_Y } as Record<SideEnding, number>;

/** Good endings and bad ones differ in colour, and always in words too. */
const ENDING_FILL: Record<SideEnding, { fill: string; text: string }> = {
  cancelled: { fill: tokens.colorNeutralBackgroundInverted, text: tokens.colorNeutralForegroundInverted },
  blocked_by_scan: { fill: tokens.colorPaletteRedBackground3, text: tokens.colorNeutralForegroundOnBrand },
  rejected: { fill: tokens.colorPaletteRedBackground3, text: tokens.colorNeutralForegroundOnBrand },
  revoked: { fill: tokens.colorPaletteDarkOrangeBackground3, text: tokens.colorNeutralForegroundOnBrand },
  failed: { fill: tokens.colorPaletteRedBackground3, text: tokens.colorNeutralForegroundOnBrand },
  changes_requested: { fill: tokens.colorPaletteMarigoldBackground3, text: tokens.colorNeutralForeground1 },
};

const useStyles = makeStyles({
  figure: { margin: 0, maxWidth: '820px' },
  svg: { width: '100%', height: 'auto', display: 'block', fontFamily: tokens.fontFamilyBase },
});

interface NodeLook {
  fill: string;
  stroke: string;
  text: string;
  strokeWidth: number;
  dashed: boolean;
  bold: boolean;
}

function lookOf(state: NodeState, currentColours: { fill: string; text: string }, side: boolean): NodeLook {
  switch (state) {
    case 'current':
      return { fill: currentColours.fill, stroke: tokens.colorNeutralForeground1, text: currentColours.text, strokeWidth: 3, dashed: false, bold: true };
    case 'visited':
      return { fill: tokens.colorBrandBackground2, stroke: tokens.colorBrandStroke1, text: tokens.colorNeutralForeground1, strokeWidth: 1.5, dashed: false, bold: false };
    case 'ahead':
      return { fill: tokens.colorNeutralBackground1, stroke: tokens.colorNeutralStroke1, text: tokens.colorNeutralForeground2, strokeWidth: 1, dashed: side, bold: false };
  }
}

function Node({ x, y, label, note, look, mark }: { x: number; y: number; label: string; note?: string; look: NodeLook; mark: string }) {
  const width = widthFor(label);
  return (
    <g>
      <rect
        x={x - width / 2}
        y={y - NODE_HEIGHT / 2}
        width={width}
        height={NODE_HEIGHT}
        rx={8}
        fill={look.fill}
        stroke={look.stroke}
        strokeWidth={look.strokeWidth}
        strokeDasharray={look.dashed ? '4 3' : undefined}
      />
      <text x={x} y={note ? y - 2 : y + 4.5} textAnchor="middle" fontSize={13} fontWeight={look.bold ? 700 : 400} fill={look.text}>
        {mark}
        {label}
      </text>
      {note && (
        <text x={x} y={y + 12} textAnchor="middle" fontSize={10} fill={look.text}>
          {note}
        </text>
      )}
    </g>
  );
}

const MARKS: Record<NodeState, string> = { current: '● ', visited: '✓ ', ahead: '' };

/**
 * The request's lifecycle as a diagram, with its place lit. The picture is for the eye; assistive
 * technology reads one sentence that says the same (the role="img" label).
 */
export function LifecycleDiagram({ type, status }: { type: RequestType; status: RequestStatus }) {
  const styles = useStyles();
  // An id that is also a plain url(#…) reference, whatever characters React puts in useId's answer.
  const arrowId = `lifecycle-arrow-${useId().replace(/[^A-Za-z0-9_-]/g, '')}`;
  const states = nodeStates(status);
  const description = lifecycleDescription(type, status);
  const currentMain = { fill: tokens.colorBrandBackground, text: tokens.colorNeutralForegroundOnBrand };
  const edgeColour = (lit: boolean) => (lit ? tokens.colorBrandStroke1 : tokens.colorNeutralStroke1);
  const isLit = (state: NodeState) => state !== 'ahead';
  const marker = `url(#${arrowId})`;
  const approvedNote = type === 'import' ? 'into the workspace' : 'out of the workspace';

  return (
    <div className={styles.figure} role="img" aria-label={description} data-status={status}>
      <svg className={styles.svg} viewBox="0 0 800 200" aria-hidden="true" focusable="false">
        <defs>
          <marker id={arrowId} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M 0 0 L 10 5 L 0 10 z" fill={tokens.colorNeutralForeground2} />
          </marker>
        </defs>

        {MAIN_STEPS.slice(1).map((step, index) => {
          const from = MAIN_STEPS[index];
          return (
            <line
              key={`edge-${step}`}
              x1={STEP_X[from] + widthFor(statusInWords(from)) / 2}
              y1={MAIN_Y}
              x2={STEP_X[step] - widthFor(statusInWords(step)) / 2 - 2}
              y2={MAIN_Y}
              stroke={edgeColour(isLit(states.steps[step]))}
              strokeWidth={2}
              markerEnd={marker}
            />
          );
        })}

        {/* the loop: in review → changes requested → draft */}
        <path
          d={`M ${STEP_X.in_review} ${MAIN_Y - NODE_HEIGHT / 2} C ${STEP_X.in_review} ${LOOP_Y}, ${STEP_X.in_review} ${LOOP_Y}, ${ENDING_X.changes_requested + widthFor(statusInWords('changes_requested')) / 2 + 2} ${LOOP_Y}`}
          fill="none"
          stroke={edgeColour(states.endings.changes_requested === 'current')}
          strokeWidth={1.5}
          strokeDasharray="5 3"
          markerEnd={marker}
        />
        <path
          d={`M ${ENDING_X.changes_requested - widthFor(statusInWords('changes_requested')) / 2} ${LOOP_Y} C ${STEP_X.draft} ${LOOP_Y}, ${STEP_X.draft} ${LOOP_Y}, ${STEP_X.draft} ${MAIN_Y - NODE_HEIGHT / 2 - 2}`}
          fill="none"
          stroke={edgeColour(false)}
          strokeWidth={1.5}
          strokeDasharray="5 3"
          markerEnd={marker}
        />

        {SIDE_ENDINGS.filter((ending) => ending !== 'changes_requested' && SIDE_ENDING_FROM[ending] !== 'any').map((ending) => {
          const from = SIDE_ENDING_FROM[ending] as MainStep;
          return (
            <line
              key={`edge-${ending}`}
              x1={STEP_X[from]}
              y1={MAIN_Y + NODE_HEIGHT / 2}
              x2={ENDING_X[ending]}
              y2={ENDING_Y - NODE_HEIGHT / 2 - 2}
              stroke={edgeColour(states.endings[ending] === 'current')}
              strokeWidth={1.5}
              strokeDasharray="5 3"
              markerEnd={marker}
            />
          );
        })}

        {MAIN_STEPS.map((step) => (
          <Node
            key={step}
            x={STEP_X[step]}
            y={MAIN_Y}
            label={statusInWords(step)}
            note={step === 'approved' ? approvedNote : undefined}
            look={lookOf(states.steps[step], currentMain, false)}
            mark={MARKS[states.steps[step]]}
          />
        ))}
        {SIDE_ENDINGS.map((ending) => (
          <Node
            key={ending}
            x={ENDING_X[ending]}
            y={ENDING_Y_OF[ending]}
            label={statusInWords(ending)}
            note={ending === 'failed' ? 'at any step' : undefined}
            look={lookOf(states.endings[ending], ENDING_FILL[ending], true)}
            mark={MARKS[states.endings[ending]]}
          />
        ))}
      </svg>
    </div>
  );
}
