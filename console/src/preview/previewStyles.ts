import { makeStyles, tokens } from '@fluentui/react-components';

const CELL = {
  padding: `${tokens.spacingVerticalXXS} ${tokens.spacingHorizontalS}`,
  borderBottom: `1px solid ${tokens.colorNeutralStroke2}`,
  textAlign: 'left',
  verticalAlign: 'top',
  whiteSpace: 'pre',
} as const;

/** Shared looks of the preview and diff tables: scroll inside their own box, never the page sideways. */
export const usePreviewStyles = makeStyles({
  scrollBox: {
    maxHeight: '60vh',
    overflow: 'auto',
    border: `1px solid ${tokens.colorNeutralStroke1}`,
    borderRadius: tokens.borderRadiusMedium,
    ':focus-visible': { outline: `2px solid ${tokens.colorStrokeFocus2}`, outlineOffset: '2px' },
  },
  table: {
    borderCollapse: 'collapse',
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    minWidth: '100%',
    '& th': CELL,
    '& td': CELL,
    '& thead th': {
      position: 'sticky',
      top: 0,
      backgroundColor: tokens.colorNeutralBackground3,
      fontWeight: tokens.fontWeightSemibold,
      zIndex: 1,
    },
  },
  rowNumber: { color: tokens.colorNeutralForeground2, textAlign: 'right', fontWeight: tokens.fontWeightRegular },
  text: {
    margin: 0,
    padding: tokens.spacingHorizontalS,
    fontFamily: tokens.fontFamilyMonospace,
    fontSize: tokens.fontSizeBase200,
    whiteSpace: 'pre-wrap',
    overflowWrap: 'anywhere',
  },
  media: { maxWidth: '100%', maxHeight: '60vh', display: 'block', backgroundColor: tokens.colorNeutralBackground3 },
  pdf: { width: '100%', height: '70vh', border: `1px solid ${tokens.colorNeutralStroke1}` },
  more: { display: 'flex', gap: tokens.spacingHorizontalM, alignItems: 'center', marginTop: tokens.spacingVerticalS, flexWrap: 'wrap' },
  added: { backgroundColor: tokens.colorPaletteGreenBackground1 },
  removed: { backgroundColor: tokens.colorPaletteRedBackground1 },
  changed: { backgroundColor: tokens.colorPaletteYellowBackground1 },
  skipped: { color: tokens.colorNeutralForeground2, fontStyle: 'italic', textAlign: 'center' },
  ins: { backgroundColor: tokens.colorPaletteGreenBackground2, textDecoration: 'none', fontWeight: tokens.fontWeightSemibold },
  del: { backgroundColor: tokens.colorPaletteRedBackground2 },
  marker: { fontWeight: tokens.fontWeightBold, width: '1.5em' },
  visuallyHidden: {
    position: 'absolute',
    width: '1px',
    height: '1px',
    margin: '-1px',
    overflow: 'hidden',
    clip: 'rect(0 0 0 0)',
    whiteSpace: 'nowrap',
    border: 0,
  },
});
